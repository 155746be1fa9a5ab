using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.Nacos.Client;

/// <summary>
/// Nacos's v1 naming open API (the one Nacos 1.x, 2.x and 3.x all serve): register, deregister, heartbeat
/// and list instances. Every request has a timeout, moves to the next server when one fails, and gets a
/// bounded number of rounds with backoff. Its <see cref="HttpClient"/> is its own, so no application
/// handler (Lanes' routing, service discovery) ever sits in front of Nacos.
/// </summary>
internal sealed partial class NacosNamingClient : IDisposable
{
    /// <summary>
    /// Sent as <c>User-Agent</c> and <c>Client-Version</c>: the server only pushes over UDP to clients it
    /// recognises by this prefix and a version of at least its <c>pushCSharpVersion</c> switch (0.9.0).
    /// </summary>
    public const string ClientVersion = "Nacos-CSharp-Client:v1.3.10";

    private const int MaxSmallAnswerBytes = 64 * 1024;
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(10);

    private readonly NacosOptions _options;
    private readonly NacosServerList _servers;
    private readonly NacosAuthenticator _authenticator;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly HttpClient _http;

    public NacosNamingClient(
        IOptions<NacosOptions> options,
        NacosAuthenticator authenticator,
        TimeProvider timeProvider,
        ILogger<NacosNamingClient> logger)
    {
        _options = options.Value;
        _servers = new NacosServerList(_options.ServerAddresses, _options.ContextPath);
        _authenticator = authenticator;
        _timeProvider = timeProvider;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = _options.RequestTimeout,
            AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
            UseProxy = false,
        })
        {
            // Each attempt carries its own TimeProvider-driven timeout.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", ClientVersion);
        _http.DefaultRequestHeaders.TryAddWithoutValidation("Client-Version", ClientVersion);
        _http.DefaultRequestHeaders.TryAddWithoutValidation("Request-Module", "Naming");
        _http.DefaultRequestHeaders.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
    }

    public string NamespaceId => _options.NamespaceId;

    /// <summary>Registers (or updates) an instance: <c>POST /v1/ns/instance</c>.</summary>
    public Task RegisterAsync(NacosInstance instance, CancellationToken cancellationToken)
    {
        var parameters = InstanceParameters(instance);
        parameters.Add(new("weight", instance.Weight.ToString(CultureInfo.InvariantCulture)));
        parameters.Add(new("enabled", instance.Enabled ? "true" : "false"));
        parameters.Add(new("healthy", "true"));
        parameters.Add(new("metadata", JsonSerializer.Serialize(instance.Metadata, NacosJsonContext.Default.IReadOnlyDictionaryStringString)));
        return SendAsync(HttpMethod.Post, "v1/ns/instance", parameters, instance.Service, "register", ReadOkAsync, cancellationToken);
    }

    /// <summary>Deregisters an instance: <c>DELETE /v1/ns/instance</c>.</summary>
    public Task DeregisterAsync(NacosInstance instance, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, "v1/ns/instance", InstanceParameters(instance), instance.Service, "deregister", ReadOkAsync, cancellationToken);

    /// <summary>Sends a heartbeat with the full beat body: <c>PUT /v1/ns/instance/beat</c>.</summary>
    public Task<NacosBeatResult> BeatAsync(NacosInstance instance, CancellationToken cancellationToken)
    {
        var beat = new NacosBeatInfo
        {
            Ip = instance.Ip,
            Port = instance.Port,
            ServiceName = instance.Service.Grouped,
            Cluster = instance.ClusterName,
            Weight = instance.Weight,
            Metadata = instance.Metadata,
            Ephemeral = instance.Ephemeral,
        };

        List<KeyValuePair<string, string>> parameters =
        [
            new("namespaceId", _options.NamespaceId),
            new("serviceName", instance.Service.Grouped),
            new("groupName", instance.Service.Group),
            new("clusterName", instance.ClusterName),
            new("ip", instance.Ip),
            new("port", instance.Port.ToString(CultureInfo.InvariantCulture)),
            new("beat", JsonSerializer.Serialize(beat, NacosJsonContext.Default.NacosBeatInfo)),
        ];
        return SendAsync(HttpMethod.Put, "v1/ns/instance/beat", parameters, instance.Service, "heartbeat", ReadBeatAsync, cancellationToken);
    }

    /// <summary>
    /// Lists every instance of a service, healthy or not (<c>GET /v1/ns/instance/list</c>); with a
    /// <paramref name="udpPort"/> the server also pushes later changes there. The caller disposes the answer.
    /// </summary>
    public Task<PooledBuffer> ListAsync(NacosServiceName service, int udpPort, string? clientIp, CancellationToken cancellationToken)
    {
        List<KeyValuePair<string, string>> parameters =
        [
            new("namespaceId", _options.NamespaceId),
            new("serviceName", service.Grouped),
            new("groupName", service.Group),
            new("clusters", string.Empty),
            new("healthyOnly", "false"),
        ];

        if (udpPort > 0 && !string.IsNullOrEmpty(clientIp))
        {
            parameters.Add(new("udpPort", udpPort.ToString(CultureInfo.InvariantCulture)));
            parameters.Add(new("clientIP", clientIp));
        }

        return SendAsync(HttpMethod.Get, "v1/ns/instance/list", parameters, service, "list instances", ReadListAsync, cancellationToken);
    }

    private List<KeyValuePair<string, string>> InstanceParameters(NacosInstance instance) =>
    [
        new("namespaceId", _options.NamespaceId),
        new("serviceName", instance.Service.Grouped),
        new("groupName", instance.Service.Group),
        new("clusterName", instance.ClusterName),
        new("ip", instance.Ip),
        new("port", instance.Port.ToString(CultureInfo.InvariantCulture)),
        new("ephemeral", instance.Ephemeral ? "true" : "false"),
    ];

    private async Task<T> SendAsync<T>(
        HttpMethod method,
        string path,
        List<KeyValuePair<string, string>> parameters,
        NacosServiceName service,
        string operation,
        Func<HttpResponseMessage, NacosServiceName, CancellationToken, Task<T>> read,
        CancellationToken cancellationToken)
    {
        var attempts = _servers.Count * (_options.MaxRetries + 1);
        var reloggedIn = false;
        Exception? last = null;
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            if (attempt > 0 && attempt % _servers.Count == 0 && _options.RetryBackoff > TimeSpan.Zero)
            {
                var round = attempt / _servers.Count;
                var backoff = TimeSpan.FromTicks(Math.Min(_options.RetryBackoff.Ticks << Math.Min(round - 1, 16), s_maxBackoff.Ticks));
                await Task.Delay(backoff, _timeProvider, cancellationToken).ConfigureAwait(false);
            }

            var index = _servers.CurrentIndex;
            var server = _servers[index];
            using var timeout = new CancellationTokenSource(_options.RequestTimeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            string? token = null;
            try
            {
                token = await _authenticator.GetTokenAsync(_http, server, linked.Token).ConfigureAwait(false);
                using var request = new HttpRequestMessage(method, BuildUri(server, path, parameters, token));
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                if (response.StatusCode == HttpStatusCode.Forbidden && _authenticator.Enabled && !reloggedIn)
                {
                    // The token expired early or the server restarted with a new secret: log in again, same server.
                    _authenticator.Invalidate(token);
                    reloggedIn = true;
                    attempt--;
                    continue;
                }

                if (status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
                {
                    Log.ServerFailed(_logger, operation, service.Grouped, server.Authority, $"status {status}");
                    last = new NacosException($"Nacos at {server.Authority} answered {status}.", transient: true);
                    _servers.Failed(index);
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    var detail = await ReadSmallAsync(response, linked.Token).ConfigureAwait(false);
                    throw new NacosException($"Nacos at {server.Authority} refused to {operation} '{service.Grouped}': {status} {Shorten(detail)}", transient: false);
                }

                return await read(response, service, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Log.ServerFailed(_logger, operation, service.Grouped, server.Authority, $"no answer within {_options.RequestTimeout}");
                last = new NacosException($"Nacos at {server.Authority} did not answer within {_options.RequestTimeout}.", transient: true);
                _servers.Failed(index);
            }
            catch (HttpRequestException ex)
            {
                Log.ServerFailed(_logger, operation, service.Grouped, server.Authority, ex.HttpRequestError.ToString());
                last = ex;
                _servers.Failed(index);
            }
            catch (NacosException ex) when (ex.Transient)
            {
                Log.ServerFailed(_logger, operation, service.Grouped, server.Authority, ex.Message);
                last = ex;
                _servers.Failed(index);
            }
        }

        throw new NacosException($"Could not {operation} '{service.Grouped}': no Nacos server answered in {attempts} attempts.", last);
    }

    private static Uri BuildUri(Uri server, string path, List<KeyValuePair<string, string>> parameters, string? token)
    {
        var builder = new StringBuilder(256);
        builder.Append(server.AbsoluteUri).Append(path);
        var separator = '?';
        foreach (var (key, value) in parameters)
        {
            builder.Append(separator).Append(key).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }

        if (token is not null)
        {
            builder.Append(separator).Append("accessToken=").Append(Uri.EscapeDataString(token));
        }

        return new Uri(builder.ToString());
    }

    private static async Task<bool> ReadOkAsync(HttpResponseMessage response, NacosServiceName service, CancellationToken cancellationToken)
    {
        var body = await ReadSmallAsync(response, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(body.Trim(), "ok", StringComparison.OrdinalIgnoreCase))
        {
            throw new NacosException($"Nacos answered '{Shorten(body)}' instead of 'ok' for '{service.Grouped}'.", transient: false);
        }

        return true;
    }

    private async Task<NacosBeatResult> ReadBeatAsync(HttpResponseMessage response, NacosServiceName service, CancellationToken cancellationToken)
    {
        var body = await ReadSmallAsync(response, cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException("not an object");
            }

            var code = root.TryGetProperty("code", out var codeElement) && codeElement.TryGetInt32(out var parsedCode) ? parsedCode : 10200;
            TimeSpan? interval = root.TryGetProperty("clientBeatInterval", out var intervalElement) && intervalElement.TryGetInt64(out var millis) && millis > 0
                ? TimeSpan.FromMilliseconds(millis)
                : null;
            return new NacosBeatResult(code, interval);
        }
        catch (JsonException)
        {
            // Very old servers answer "ok"; the beat still counted.
            Log.UnexpectedBeatAnswer(_logger, service.Grouped, Shorten(body));
            return new NacosBeatResult(0, null);
        }
    }

    private async Task<PooledBuffer> ReadListAsync(HttpResponseMessage response, NacosServiceName service, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                return await PooledBuffer.ReadAsync(stream, response.Content.Headers.ContentLength, _options.MaxResponseBytes, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                throw new NacosException($"The instance list of '{service.Grouped}' was rejected: {ex.Message}", transient: false);
            }
        }
    }

    private static async Task<string> ReadSmallAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                using var buffer = await PooledBuffer.ReadAsync(stream, response.Content.Headers.ContentLength, MaxSmallAnswerBytes, cancellationToken).ConfigureAwait(false);
                return Encoding.UTF8.GetString(buffer.Span);
            }
            catch (InvalidDataException)
            {
                return "(answer too large)";
            }
        }
    }

    private static string Shorten(string text) =>
        (text.Length > 200 ? string.Concat(text.AsSpan(0, 200), "...") : text).ReplaceLineEndings(" ");

    public void Dispose()
    {
        _http.Dispose();
    }
}
