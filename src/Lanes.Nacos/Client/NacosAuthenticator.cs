using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.Nacos.Client;

/// <summary>
/// Logs in to Nacos (<c>POST /v1/auth/login</c>) when a user is configured and keeps the access token,
/// renewing it once nine tenths of its <c>tokenTtl</c> have passed, or at once after the server refused it (403).
/// The password travels only in the login form; neither it nor the token is ever logged.
/// </summary>
internal sealed partial class NacosAuthenticator : IDisposable
{
    private readonly string? _userName;
    private readonly string? _password;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile AccessToken? _token;

    public NacosAuthenticator(IOptions<NacosOptions> options, TimeProvider timeProvider, ILogger<NacosAuthenticator> logger)
    {
        _userName = options.Value.UserName;
        _password = options.Value.Password;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public bool Enabled => !string.IsNullOrEmpty(_userName);

    /// <summary>The token to present, logging in on <paramref name="server"/> when there is none or it is due for renewal.</summary>
    public async ValueTask<string?> GetTokenAsync(HttpClient http, Uri server, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return null;
        }

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

            var token = await LoginAsync(http, server, cancellationToken).ConfigureAwait(false);
            _token = token;
            return token.Value;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets <paramref name="token"/> after the server refused it, so the next request logs in again.</summary>
    public void Invalidate(string? token)
    {
        if (_token is { } current && string.Equals(current.Value, token, StringComparison.Ordinal))
        {
            _token = null;
            Log.TokenRejected(_logger, _userName!);
        }
    }

    private async Task<AccessToken> LoginAsync(HttpClient http, Uri server, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, "v1/auth/login"))
        {
            Content = new FormUrlEncodedContent([new("username", _userName!), new("password", _password ?? string.Empty)]),
        };

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            Log.LoginRefused(_logger, _userName!, server.Authority, (int)response.StatusCode);
            throw new NacosException($"Nacos at {server.Authority} refused the login of user '{_userName}' ({(int)response.StatusCode}); check {NacosOptions.SectionName}:UserName and Password.", transient: false);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new NacosException($"Nacos at {server.Authority} answered {(int)response.StatusCode} to the login.", transient: true);
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        string? value = null;
        long ttlSeconds = 0;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (document.RootElement.TryGetProperty("accessToken", out var tokenElement) && tokenElement.ValueKind == JsonValueKind.String)
                {
                    value = tokenElement.GetString();
                }

                if (document.RootElement.TryGetProperty("tokenTtl", out var ttlElement) && ttlElement.ValueKind == JsonValueKind.Number)
                {
                    _ = ttlElement.TryGetInt64(out ttlSeconds);
                }
            }
        }
        catch (JsonException)
        {
            value = null;
        }

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

    public void Dispose() => _gate.Dispose();

    private sealed record AccessToken(string Value, DateTimeOffset RenewAt);
}
