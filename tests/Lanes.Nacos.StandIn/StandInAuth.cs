using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Lanes.Nacos.StandIn;

/// <summary>
/// The server's authentication: logins hand out tokens (surviving a restart, as the server's JWTs do), a request
/// passes with a live token or a valid access-key signature (<c>signature</c> = Base64 HMAC-SHA1 of <c>data</c>).
/// </summary>
internal sealed class StandInAuth(NacosStandInOptions options)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);
    private int _logins;

    public int Logins => Volatile.Read(ref _logins);

    public string? Login(string? user, string? password)
    {
        Interlocked.Increment(ref _logins);
        if (options.Users is not null && (user is null || !options.Users.TryGetValue(user, out var expected) || expected != password))
        {
            return null;
        }

        var token = "tok-" + Guid.NewGuid().ToString("N");
        _tokens[token] = DateTimeOffset.UtcNow + options.TokenTtl;
        return token;
    }

    /// <summary>Makes every token handed out so far expired.</summary>
    public void ExpireTokens() => _tokens.Clear();

    /// <summary>Null when the request may pass, else the server's message.</summary>
    public string? Check(Func<string, string?> read)
    {
        if (!options.AuthRequired)
        {
            return null;
        }

        if (read("accessToken") is { Length: > 0 } token)
        {
            return _tokens.TryGetValue(token, out var expires) && expires > DateTimeOffset.UtcNow ? null : "token expired!";
        }

        if (read("ak") is { Length: > 0 } accessKey && options.AccessKeys is { } keys)
        {
            if (!keys.TryGetValue(accessKey, out var secret) || read("data") is not { } data || read("signature") is not { } signature)
            {
                return "access key not found!";
            }

            var expected = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(data)));
            return expected == signature ? null : "signature mismatch!";
        }

        return "user not found!";
    }
}
