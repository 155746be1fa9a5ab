namespace Lanes.AspNetCore.Entry.Files;

/// <summary>
/// A Kruise Rollouts <c>TrafficRouting</c> <c>spec.strategy</c> as the API server stores it (v1alpha1 <c>weight</c>,
/// v1beta1 <c>traffic</c>, <c>matches</c> with <c>path</c>, <c>headers</c> and <c>queryParams</c>, and
/// <c>requestHeaderModifier</c>). Field names are Kruise's JSON names; any other field is an error.
/// </summary>
internal sealed class KruiseStrategy
{
    public List<KruiseRouteMatch>? Matches { get; set; }

    public int? Weight { get; set; }

    public string? Traffic { get; set; }

    public KruiseHeaderFilter? RequestHeaderModifier { get; set; }
}

internal sealed class KruiseRouteMatch
{
    public KruisePathMatch? Path { get; set; }

    public List<KruiseValueMatch>? Headers { get; set; }

    public List<KruiseValueMatch>? QueryParams { get; set; }
}

internal sealed class KruiseValueMatch
{
    public string? Type { get; set; }

    public string? Name { get; set; }

    public string? Value { get; set; }
}

internal sealed class KruisePathMatch
{
    public string? Type { get; set; }

    public string? Value { get; set; }
}

internal sealed class KruiseHeaderFilter
{
    public List<KruiseHeader>? Set { get; set; }

    public List<KruiseHeader>? Add { get; set; }

    public List<string>? Remove { get; set; }
}

internal sealed class KruiseHeader
{
    public string? Name { get; set; }

    public string? Value { get; set; }
}
