namespace Lanes.AspNetCore.Entry;

/// <summary>Lane tokens (<c>Lanes:Entry:Tokens</c>): HMAC-SHA256 signed lane, expiry and optional subject.</summary>
public sealed class LaneTokenOptions
{
    /// <summary>The default request header that carries a lane token.</summary>
    public const string DefaultHeaderName = "lanes-token";

    /// <summary>The request header that carries the token; it is removed before the request goes on.</summary>
    /// <value>The default value is <c>lanes-token</c>.</value>
    public string HeaderName { get; set; } = DefaultHeaderName;

    /// <summary>
    /// Signing keys by key id, each base64 of at least 32 random bytes (<c>Lanes:Entry:Tokens:Keys:2026-11=...</c>).
    /// Several keys let a new one take over while tokens signed with the old one stay valid until it is removed.
    /// </summary>
    public Dictionary<string, string> Keys { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// A directory of keys, one file per key: the file name is the key id and its bytes are the key (a mounted
    /// Kubernetes Secret). Re-read while the app runs.
    /// </summary>
    public string? KeysDirectory { get; set; }
}
