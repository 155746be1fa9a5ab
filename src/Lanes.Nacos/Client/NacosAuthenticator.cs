using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.Nacos.Client;

/// <summary>
/// Proves who Lanes is, on every transport. With a user it logs in over HTTP (<c>POST /v3/auth/user/login</c>, falling
/// back to <c>/v1/auth/login</c> on servers without the v3 API, as Nacos's Java client does), keeps the access token and
/// renews it once nine tenths of its <c>tokenTtl</c> have passed, or at once after a server refused it (403). With an
/// access key it signs each request. The password, the secret key, tokens and signatures are never logged.
/// </summary>
internal sealed partial class NacosAuthenticator : IDisposable
{
    private readonly string? _userName;
    private readonly string? _password;
    private readonly string? _accessKey;
    private readonly byte[]? _secretKey;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile AccessToken? _token;
    private volatile bool _v1Login;

    public NacosAuthenticator(IOptions<NacosOptions> options, TimeProvider timeProvider, ILogger<NacosAuthenticator> logger)
    {
        var value = options.Value;
        _userName = string.IsNullOrEmpty(value.UserName) ? null : value.UserName;
        _password = value.Password;
        if (!string.IsNullOrEmpty(value.AccessKey) && !string.IsNullOrEmpty(value.SecretKey))
        {
            _accessKey = value.AccessKey;
            _secretKey = Encoding.UTF8.GetBytes(value.SecretKey);
        }

        _timeProvider = timeProvider;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = value.RequestTimeout, PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
        {
            Timeout = value.RequestTimeout,
        };
        _http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", NacosNamingClient.ClientVersion);
    }

    /// <summary>Whether any credential is configured.</summary>
    public bool Enabled => _userName is not null || _accessKey is not null;

    /// <summary>Whether a user is configured (and a login is needed).</summary>
    public bool LoginEnabled => _userName is not null;

    /// <summary>
    /// What to present to <paramref name="server"/> (its base address, with the context path) for a request about
    /// <paramref name="service"/>: the current token, logging in first when there is none or it is due for renewal,
    /// and a fresh signature.
    /// </summary>
    public async ValueTask<NacosIdentity> GetIdentityAsync(Uri server, NacosServiceName? service, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return default;
        }

        var token = _userName is null ? null : await GetTokenAsync(server, cancellationToken).ConfigureAwait(false);
        if (_accessKey is null)
        {
            return new NacosIdentity(token, null, null, null);
        }

        var millis = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var data = service is { } name ? string.Concat(millis, NacosServiceName.Separator, name.Grouped) : millis;
        var signature = Convert.ToBase64String(HMACSHA1.HashData(_secretKey!, Encoding.UTF8.GetBytes(data)));
        return new NacosIdentity(token, _accessKey, data, signature);
    }

    /// <summary>Forgets <paramref name="token"/> after the server refused it, so the next request logs in again.</summary>
    public void Invalidate(string? token)
    {
        if (token is not null && _token is { } current && string.Equals(current.Value, token, StringComparison.Ordinal))
        {
            _token = null;
            Log.TokenRejected(_logger, _userName!);
        }
    }

    /// <summary>The error for a server that refused a request for lack of (or wrong) credentials.</summary>
    public NacosAuthenticationException Rejected(string server, string detail) =>
        Enabled ? NacosAuthenticationException.Refused(server, _userName, detail) : NacosAuthenticationException.Required(server, detail);

    private async ValueTask<string> GetTokenAsync(Uri server, CancellationToken cancellationToken)
    {
        if (_token is { } current && _timeProvider.GetUtcNow() < current.RenewAt)
        {
            return current.Value;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_token is { } renewed && _timeProvider.GetUtcNow() < renewed.RenewAt)
            {
                return renewed.Value;
            }

            var token = await LoginAsync(server, cancellationToken).ConfigureAwait(false);
            _token = token;
            return token.Value;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<AccessToken> LoginAsync(Uri server, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await PostLoginAsync(server, _v1Login ? "v1/auth/login" : "v3/auth/user/login", cancellationToken).ConfigureAwait(false);
            if (!_v1Login && response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented)
            {
                // A server without the v3 API (Nacos 1.x and 2.x).
                response.Dispose();
                _v1Login = true;
                response = await PostLoginAsync(server, "v1/auth/login", cancellationToken).ConfigureAwait(false);
            }
        }
        catch (HttpRequestException ex)
        {
            throw new NacosException($"Could not log in to Nacos at {server.Authority}: {ex.HttpRequestError}.", transient: true);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new NacosException($"Nacos at {server.Authority} did not answer the login in time.", transient: true);
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
            {
                Log.LoginRefused(_logger, _userName!, server.Authority, (int)response.StatusCode);
                throw NacosAuthenticationException.LoginRefused(server.Authority, _userName!, (int)response.StatusCode);
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new NacosException($"Nacos at {server.Authority} answered {(int)response.StatusCode} to the login.", transient: true);
            }

            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var (value, ttlSeconds) = ReadToken(body);
            if (string.IsNullOrEmpty(value))
            {
                throw new NacosException($"Nacos at {server.Authority} answered the login without an access token.", transient: true);
            }

            // Renew when nine tenths of the lifetime have passed, as the Java and C# clients do.
            var ttl = TimeSpan.FromSeconds(Math.Clamp(ttlSeconds, 1, 7 * 24 * 3600));
            var renewAt = _timeProvider.GetUtcNow() + ttl - (ttl / 10);
            Log.LoggedIn(_logger, _userName!, server.Authority, ttl);
            return new AccessToken(value, renewAt);
        }
    }

    private async Task<HttpResponseMessage> PostLoginAsync(Uri server, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, path))
        {
            Content = new FormUrlEncodedContent([new("username", _userName!), new("password", _password ?? string.Empty)]),
        };
        return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
    }

    private static (string? Value, long TtlSeconds) ReadToken(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, 0);
            }

            // A v3 server may wrap the answer in its {code, message, data} envelope.
            if (root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object)
            {
                root = data;
            }

            string? value = root.TryGetProperty("accessToken", out var token) && token.ValueKind == JsonValueKind.String ? token.GetString() : null;
            long ttl = 0;
            if (root.TryGetProperty("tokenTtl", out var ttlElement))
            {
                if (ttlElement.ValueKind == JsonValueKind.Number)
                {
                    _ = ttlElement.TryGetInt64(out ttl);
                }
                else if (ttlElement.ValueKind == JsonValueKind.String)
                {
                    _ = long.TryParse(ttlElement.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out ttl);
                }
            }

            return (value, ttl);
        }
        catch (JsonException)
        {
            return (null, 0);
        }
    }

    public void Dispose()
    {
        _gate.Dispose();
        _http.Dispose();
    }

    private sealed record AccessToken(string Value, DateTimeOffset RenewAt);
}
