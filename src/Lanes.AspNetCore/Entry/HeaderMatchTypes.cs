namespace Lanes.AspNetCore.Entry;

/// <summary>The header match types entry rules accept (Kruise's and Gateway API's names).</summary>
public static class HeaderMatchTypes
{
    /// <summary>The header's whole value equals the given value (case-sensitive).</summary>
    public const string Exact = nameof(Exact);

    /// <summary>The header's whole value matches the given regular expression.</summary>
    public const string RegularExpression = nameof(RegularExpression);
}
