namespace Lanes.RolloutController.Api;

/// <summary>Header or query parameter match.</summary>
internal sealed class HttpValueMatch
{
    /// <summary><c>Exact</c> (default) or <c>RegularExpression</c>.</summary>
    public string? Type { get; set; }

    /// <summary>Header or parameter name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Value or pattern.</summary>
    public string Value { get; set; } = "";
}
