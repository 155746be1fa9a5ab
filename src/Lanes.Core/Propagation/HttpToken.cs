using System.Buffers;

namespace Lanes.Propagation;

/// <summary>RFC 9110 token rules, shared by header names and W3C baggage keys.</summary>
internal static class HttpToken
{
    private static readonly SearchValues<char> s_tokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

    public static bool IsToken(ReadOnlySpan<char> value) => !value.IsEmpty && !value.ContainsAnyExcept(s_tokenChars);
}
