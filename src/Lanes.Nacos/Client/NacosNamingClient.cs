using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.Nacos.Client;

/// <summary>
/// Nacos's HTTP naming APIs: the v1 open API (Nacos 1.x, and 2.x and 3.0/3.1 by default) and the v3 client API
/// (<c>/v3/client/ns/...</c>, Nacos 3.x): register, deregister, heartbeat and list instances. Every request has a
/// timeout, moves to the next server when one fails, and gets a bounded number of rounds with backoff. Its
/// <see cref="HttpClient"/> is its own, so no application handler (Lanes' routing, service discovery) ever sits in
/// front of Nacos.
/// </summary>
internal sealed partial class NacosNamingClient : IDisposable
{
    /// <summary>
    /// Sent as <c>User-Agent</c> and <c>Client-Version</c>: the server only pushes over UDP to clients it
    /// recognises by this prefix and a version of at least its <c>pushCSharpVersion</c> switch (0.9.0).
    /// </summary>
    public const string ClientVersion = "Nacos-CSharp-Client:v1.3.10";

    private const int MaxSmallAnswerBytes = 64 * 1024;
    private const int V3InstanceNotFound = 21003;
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(10);

    private readonly NacosOptions _options;
    private readonly NacosServerList _servers;
    private readonly NacosAuthenticator _authenticator;
    private readonly NacosLogThrottle _throttle;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly HttpClient _http;

    public NacosNamingClient(
        IOptions<NacosOptions> options,
        NacosAuthenticator authenticator,
        NacosLogThrottle throttle,
        TimeProvider timeProvider,
        ILogger<NacosNamingClient> logger)
    {
        _options = options.Value;
        _servers = new NacosServerList(_options.ServerAddresses, _options.ContextPath);
        _authenticator = authenticator;
        _throttle = throttle;
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

    /// <summary>How many servers are configured.</summary>
    public int ServerCount => _servers.Count;

    /// <summary>The server the last request went to (<c>host:port</c>).</summary>
    public string CurrentServer => _servers[_servers.CurrentIndex].Authority;

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

    /// <summary>Registers (or updates) an instance through the v3 client API: <c>POST /v3/client/ns/instance</c>.</summary>
    public Task RegisterV3Async(NacosInstance instance, CancellationToken cancellationToken)
    {
        var parameters = V3InstanceParameters(instance);
        parameters.Add(new("weight", instance.Weight.ToString(CultureInfo.InvariantCulture)));
        parameters.Add(new("enabled", instance.Enabled ? "true" : "false"));
        parameters.Add(new("healthy", "true"));
        parameters.Add(new("metadata", JsonSerializer.Serialize(instance.Metadata, NacosJsonContext.Default.IReadOnlyDictionaryStringString)));
        return SendAsync(HttpMethod.Post, "v3/client/ns/instance", parameters, instance.Service, "register", ReadV3OkAsync, cancellationToken);
    }

    /// <summary>Deregisters an instance through the v3 client API: <c>DELETE /v3/client/ns/instance</c>.</summary>
    public Task DeregisterV3Async(NacosInstance instance, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, "v3/client/ns/instance", V3InstanceParameters(instance), instance.Service, "deregister", ReadV3OkAsync, cancellationToken);

    /// <summary>
    /// A heartbeat through the v3 client API (<c>POST /v3/client/ns/instance?heartBeat=true</c>); code 21003 (instance
    /// not found) reads as <see cref="NacosBeatResult.ResourceNotFound"/>.
    /// </summary>
    public Task<NacosBeatResult> BeatV3Async(NacosInstance instance, CancellationToken cancellationToken)
    {
        var parameters = V3InstanceParameters(instance);
        parameters.Add(new("heartBeat", "true"));
        return SendAsync(HttpMethod.Post, "v3/client/ns/instance", parameters, instance.Service, "heartbeat", ReadV3BeatAsync, cancellationToken);
    }

    /// <summary>
    /// Lists every instance of a service through the v3 client API (<c>GET /v3/client/ns/instance/list</c>, a bare array
    /// of instances in the answer's <c>data</c>), returned as a <c>ServiceInfo</c> document like the other transports'.
    /// </summary>
    public Task<PooledBuffer> ListV3Async(NacosServiceName service, CancellationToken cancellationToken)
    {
        List<KeyValuePair<string, string>> parameters =
        [
            new("namespaceId", _options.NamespaceId),
            new("groupName", service.Group),
            new("serviceName", service.Name),
            new("healthyOnly", "false"),
        ];
        return SendAsync(HttpMethod.Get, "v3/client/ns/instance/list", parameters, service, "list instances", ReadV3ListAsync, cancellationToken);
    }

    /// <summary>
    /// Whether <paramref name="server"/> serves the v3 client API: its list answers anything but 404, 405 or 501.
    /// <see langword="null"/> when the server did not answer at all.
    /// </summary>
    public async Task<bool?> ServesV3Async(int server, NacosServiceName probe, CancellationToken cancellationToken)
    {
        List<KeyValuePair<string, string>> parameters =
        [
            new("namespaceId", _options.NamespaceId),
            new("groupName", probe.Group),
            new("serviceName", probe.Name),
        ];
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, BuildUri(_servers[server], "v3/client/ns/instance/list", parameters, default));
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            return response.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private List<KeyValuePair<string, string>> V3InstanceParameters(NacosInstance instance) =>
    [
        new("namespaceId", _options.NamespaceId),
        new("groupName", instance.Service.Group),
        new("serviceName", instance.Service.Name),
        new("clusterName", instance.ClusterName),
        new("ip", instance.Ip),
        new("port", instance.Port.ToString(CultureInfo.InvariantCulture)),
        new("ephemeral", instance.Ephemeral ? "true" : "false"),
    ];

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
            NacosIdentity identity = default;
            try
            {
                identity = await _authenticator.GetIdentityAsync(server, service, linked.Token).ConfigureAwait(false);
                using var request = new HttpRequestMessage(method, BuildUri(server, path, parameters, identity));
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                if (response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
                {
                    if (_authenticator.LoginEnabled && !reloggedIn)
                    {
                        // The token expired early or the server restarted with a new secret: log in again, same server.
                        _authenticator.Invalidate(identity.AccessToken);
                        reloggedIn = true;
                        attempt--;
                        continue;
                    }

                    var detail = await ReadSmallAsync(response, linked.Token).ConfigureAwait(false);
                    throw _authenticator.Rejected(server.Authority, $"{operation} '{service.Grouped}' answered {status} {Shorten(detail)}");
                }

                if (status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
                {
                    Log.ServerFailed(_logger, _throttle.NextLevel(), operation, service.Grouped, server.Authority, $"status {status}");
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
                Log.ServerFailed(_logger, _throttle.NextLevel(), operation, service.Grouped, server.Authority, $"no answer within {_options.RequestTimeout}");
                last = new NacosException($"Nacos at {server.Authority} did not answer within {_options.RequestTimeout}.", transient: true);
                _servers.Failed(index);
            }
            catch (HttpRequestException ex)
            {
                Log.ServerFailed(_logger, _throttle.NextLevel(), operation, service.Grouped, server.Authority, ex.HttpRequestError.ToString());
                last = ex;
                _servers.Failed(index);
            }
            catch (NacosException ex) when (ex.Transient)
            {
                Log.ServerFailed(_logger, _throttle.NextLevel(), operation, service.Grouped, server.Authority, ex.Message);
                last = ex;
                _servers.Failed(index);
            }
        }

        throw new NacosException($"Could not {operation} '{service.Grouped}': no Nacos server answered in {attempts} attempts.", last, transient: true);
    }

    private static Uri BuildUri(Uri server, string path, List<KeyValuePair<string, string>> parameters, NacosIdentity identity)
    {
        if (!identity.IsEmpty)
        {
            parameters = [.. parameters];
            identity.AddTo(parameters);
        }

        var builder = new StringBuilder(256);
        builder.Append(server.AbsoluteUri).Append(path);
        var separator = '?';
        foreach (var (key, value) in parameters)
        {
            builder.Append(separator).Append(key).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
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

    private static async Task<bool> ReadV3OkAsync(HttpResponseMessage response, NacosServiceName service, CancellationToken cancellationToken)
    {
        var (code, message) = await ReadV3CodeAsync(response, cancellationToken).ConfigureAwait(false);
        return code == 0
            ? true
            : throw new NacosException($"Nacos refused '{service.Grouped}' with code {code} ({message}).", transient: false);
    }

    private static async Task<NacosBeatResult> ReadV3BeatAsync(HttpResponseMessage response, NacosServiceName service, CancellationToken cancellationToken)
    {
        var (code, message) = await ReadV3CodeAsync(response, cancellationToken).ConfigureAwait(false);
        return code switch
        {
            0 => new NacosBeatResult(10200, null),
            V3InstanceNotFound => new NacosBeatResult(NacosBeatResult.ResourceNotFound, null),
            _ => throw new NacosException($"Nacos refused a heartbeat of '{service.Grouped}' with code {code} ({message}).", transient: false),
        };
    }

    private static async Task<(int Code, string? Message)> ReadV3CodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await ReadSmallAsync(response, cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("code", out var code) && code.TryGetInt32(out var value))
            {
                return (value, root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String ? message.GetString() : null);
            }
        }
        catch (JsonException)
        {
            // Reported below.
        }

        throw new NacosException($"Nacos answered '{Shorten(body)}' where the v3 API answers {{code, message, data}}.", transient: false);
    }

    private async Task<PooledBuffer> ReadV3ListAsync(HttpResponseMessage response, NacosServiceName service, CancellationToken cancellationToken)
    {
        using var answer = await ReadListAsync(response, service, cancellationToken).ConfigureAwait(false);
        return V3ServiceInfo.FromListAnswer(answer.Span, service, out var error)
            ?? throw new NacosException($"The v3 instance list of '{service.Grouped}' was rejected: {error}", transient: false);
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
