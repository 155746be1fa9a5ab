using System.Globalization;
using System.Text.Json.Serialization;
using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Traffic;

/// <summary>
/// Which requests are canary traffic, in Kruise's JSON shape: a TrafficRouting's <c>spec.strategy</c> (v1alpha1:
/// <c>weight</c>, header matches) or a Rollout step's traffic fields (v1beta1: <c>traffic</c>, path, header and
/// query matches). Serialized with <see cref="ApiJson.Options"/> it is exactly what the Lanes gateway reads.
/// </summary>
internal sealed class TrafficStrategy
{
    /// <summary>v1alpha1 share of traffic in percent.</summary>
    public int? Weight { get; init; }

    /// <summary>v1beta1 share of traffic, <c>"20%"</c>.</summary>
    public string? Traffic { get; init; }

    /// <summary>Requests that go to the canary whatever the share.</summary>
    public IReadOnlyList<HttpRouteMatch>? Matches { get; init; }

    /// <summary>Headers rewritten on canary requests (the lane header, e.g. <c>x-mse-tag: gray</c>).</summary>
    public HttpHeaderFilter? RequestHeaderModifier { get; init; }

    /// <summary>Neither a share nor matches: nothing to route (Kruise then leaves the routes alone).</summary>
    [JsonIgnore]
    public bool RoutesNothing => Weight is null && Traffic is null && Matches is not { Count: > 0 };

    /// <summary>The share of traffic in percent, or -1 when none is set (Kruise passes -1 to its scripts then).</summary>
    public int CanaryPercent()
    {
        if (Weight is { } weight)
        {
            return weight;
        }

        if (Traffic is { } traffic && traffic.EndsWith('%') &&
            int.TryParse(traffic.AsSpan(0, traffic.Length - 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var percent))
        {
            return percent;
        }

        return -1;
    }

    /// <summary>A TrafficRouting's <c>spec.strategy</c>, with the defaults the API server would have filled in.</summary>
    public static TrafficStrategy From(TrafficRoutingStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        return new TrafficStrategy
        {
            Weight = strategy.Weight,
            Matches = strategy.Matches?.Select(static m => new HttpRouteMatch { Headers = Defaulted(m.Headers) }).ToList(),
            RequestHeaderModifier = strategy.RequestHeaderModifier,
        };
    }

    /// <summary>A Rollout step's traffic fields, with the defaults the API server would have filled in.</summary>
    public static TrafficStrategy From(CanaryStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return new TrafficStrategy
        {
            Traffic = step.Traffic,
            Matches = step.Matches?.Select(static m => new HttpRouteMatch
            {
                Path = m.Path is null ? null : new HttpPathMatch { Type = m.Path.Type ?? "PathPrefix", Value = m.Path.Value ?? "/" },
                Headers = Defaulted(m.Headers),
                QueryParams = Defaulted(m.QueryParams),
            }).ToList(),
            RequestHeaderModifier = step.RequestHeaderModifier,
        };
    }

    private static List<HttpValueMatch>? Defaulted(List<HttpValueMatch>? matches) =>
        matches?.Select(static h => new HttpValueMatch { Type = h.Type ?? "Exact", Name = h.Name, Value = h.Value }).ToList();
}
