using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Lanes.AspNetCore.Entry.Trust;

/// <summary>
/// Lane tokens: permission for a tester to enter a lane from outside the trust boundary. A token is
/// <c>&lt;key id&gt;.&lt;payload&gt;.&lt;signature&gt;</c>: the payload is base64url of <c>lane \n expiry \n subject</c>
/// (expiry in Unix seconds, subject optional) and the signature is base64url of HMAC-SHA256 with the key over
/// <c>&lt;key id&gt;.&lt;payload&gt;</c>. The entry accepts a token signed by any configured key until it expires.
/// </summary>
public static class LaneToken
{
    /// <summary>The shortest key accepted, in bytes (the HMAC-SHA256 output size).</summary>
    public const int MinKeyBytes = 32;

    /// <summary>The longest token accepted, in characters.</summary>
    public const int MaxLength = 1024;

    /// <summary>The longest subject a token may carry, in characters.</summary>
    public const int MaxSubjectLength = 256;

    /// <summary>Issues a token for <paramref name="lane"/> that expires at <paramref name="expires"/>.</summary>
    /// <param name="lane">The lane the token opens; not base.</param>
    /// <param name="expires">When the token stops being accepted.</param>
    /// <param name="subject">Who the token is for (logged on use), or <see langword="null"/>.</param>
    /// <param name="keyId">The key's id: letters, digits, <c>-</c> and <c>_</c>.</param>
    /// <param name="key">The key, at least <see cref="MinKeyBytes"/> bytes.</param>
    public static string Issue(Lane lane, DateTimeOffset expires, string? subject, string keyId, ReadOnlySpan<byte> key)
    {
        if (lane.IsBase)
        {
            throw new ArgumentException("A lane token opens a lane; base needs no token.", nameof(lane));
        }

        if (!IsKeyId(keyId))
        {
            throw new ArgumentException($"Key id '{keyId}' must be 1 to 64 letters, digits, '-' or '_'.", nameof(keyId));
        }

        if (key.Length < MinKeyBytes)
        {
            throw new ArgumentException($"A lane token key must be at least {MinKeyBytes} bytes.", nameof(key));
        }

        if (subject is { Length: > MaxSubjectLength } || (subject is not null && subject.AsSpan().ContainsAnyInRange('\0', '\x1f')))
        {
            throw new ArgumentException($"A subject is at most {MaxSubjectLength} characters without control characters.", nameof(subject));
        }

        var payload = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"{lane.Name}\n{expires.ToUnixTimeSeconds()}\n{subject}")));
        var signed = $"{keyId}.{payload}";
        var signature = Base64Url.EncodeToString(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(signed)));
        return $"{signed}.{signature}";
    }

    internal static bool IsKeyId(ReadOnlySpan<char> keyId)
    {
        if (keyId.IsEmpty || keyId.Length > 64)
        {
            return false;
        }

        foreach (var c in keyId)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Checks a token without allocating unless it is valid; never throws.</summary>
    internal static TokenVerdict Verify(ReadOnlySpan<char> token, LaneTokenKeys keys, long nowUnixSeconds, out Lane lane)
    {
        lane = Lane.Base;
        if (token.IsEmpty || token.Length > MaxLength)
        {
            return TokenVerdict.Malformed;
        }

        var first = token.IndexOf('.');
        var last = token.LastIndexOf('.');
        if (first <= 0 || last <= first + 1 || last == token.Length - 1)
        {
            return TokenVerdict.Malformed;
        }

        var keyId = token[..first];
        var signed = token[..last];
        var payload = token[(first + 1)..last];
        if (!IsKeyId(keyId) || payload.Contains('.'))
        {
            return TokenVerdict.Malformed;
        }

        Span<byte> signature = stackalloc byte[HMACSHA256.HashSizeInBytes + 3];
        if (Base64Url.DecodeFromChars(token[(last + 1)..], signature, out _, out var signatureLength) != System.Buffers.OperationStatus.Done
            || signatureLength != HMACSHA256.HashSizeInBytes)
        {
            return TokenVerdict.Malformed;
        }

        if (!keys.TryGet(keyId, out var key))
        {
            return TokenVerdict.UnknownKey;
        }

        Span<byte> signedBytes = stackalloc byte[MaxLength];
        if (!Ascii.FromUtf16(signed, signedBytes, out var signedLength).Equals(System.Buffers.OperationStatus.Done))
        {
            return TokenVerdict.Malformed;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, signedBytes[..signedLength], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, signature[..signatureLength]))
        {
            return TokenVerdict.Forged;
        }

        // Signed by us: a payload that does not parse is our own bug or an old format, still not a lane.
        Span<byte> bytes = stackalloc byte[MaxLength];
        if (Base64Url.DecodeFromChars(payload, bytes, out _, out var length) != System.Buffers.OperationStatus.Done)
        {
            return TokenVerdict.Malformed;
        }

        Span<char> text = stackalloc char[MaxLength];
        if (!Encoding.UTF8.TryGetChars(bytes[..length], text, out var chars))
        {
            return TokenVerdict.Malformed;
        }

        var fields = text[..chars];
        var laneEnd = fields.IndexOf('\n');
        if (laneEnd <= 0)
        {
            return TokenVerdict.Malformed;
        }

        var rest = fields[(laneEnd + 1)..];
        var expiryEnd = rest.IndexOf('\n');
        if (expiryEnd <= 0
            || !long.TryParse(rest[..expiryEnd], NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)
            || !Lane.TryParse(fields[..laneEnd], out var parsed) || parsed.IsBase)
        {
            return TokenVerdict.Malformed;
        }

        if (expiry <= nowUnixSeconds)
        {
            return TokenVerdict.Expired;
        }

        lane = parsed;
        return TokenVerdict.Valid;
    }
}
