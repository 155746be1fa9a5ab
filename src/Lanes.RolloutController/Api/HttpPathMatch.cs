namespace Lanes.RolloutController.Api;

/// <summary>Path match.</summary>
internal sealed class HttpPathMatch
{
    /// <summary><c>Exact</c>, <c>PathPrefix</c> or <c>RegularExpression</c>.</summary>
    public string? Type { get; set; }

    /// <summary>The path.</summary>
    public string? Value { get; set; }
}
