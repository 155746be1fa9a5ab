namespace Lanes.AspNetCore.Entry;

/// <summary>The match types entry rules accept (Kruise's and Gateway API's names).</summary>
public static class MatchTypes
{
    /// <summary>The whole value equals the given value (case-sensitive).</summary>
    public const string Exact = nameof(Exact);

    /// <summary>The whole value matches the given regular expression.</summary>
    public const string RegularExpression = nameof(RegularExpression);

    /// <summary>Paths only: the path starts with the given path, element by element (<c>/api</c> matches <c>/api/x</c>, not <c>/apix</c>).</summary>
    public const string PathPrefix = nameof(PathPrefix);
}
