using System.Globalization;
using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Traffic;

/// <summary>
/// Checks of a traffic routing spec that need no API call (Kruise's webhook rules plus the Lanes gateway's lane
/// header). A problem names the object and the field; nothing is routed until it is fixed.
/// </summary>
internal static class TrafficRoutingValidator
{
    /// <summary>The first problem, or <see langword="null"/>.</summary>
    /// <param name="owner">For example <c>TrafficRouting default/mse-traffic</c>.</param>
    /// <param name="refs">The references.</param>
    /// <param name="refsField">Where they are in the spec.</param>
    /// <param name="strategies">The strategies that will be routed, with their field.</param>
    /// <param name="laneHeader">The header that carries the lane.</param>
    public static string? Validate(string owner, IReadOnlyList<TrafficRoutingRef> refs, string refsField, IEnumerable<(TrafficStrategy Strategy, string Field)> strategies, string laneHeader)
    {
        for (var i = 0; i < refs.Count; i++)
        {
            var r = refs[i];
            var field = string.Create(CultureInfo.InvariantCulture, $"{refsField}[{i}]");
            if (string.IsNullOrEmpty(r.Service))
            {
                return $"{owner}: {field}.service is empty; name the stable Service (TrafficRouting.Service cannot be empty)";
            }

            if (r.Ingress is null && r.Gateway is null && r.CustomNetworkRefs is null)
            {
                return $"{owner}: {field} sets neither ingress, gateway nor customNetworkRefs, so there is nothing to route (TrafficRoutings are not set)";
            }

            if (r.GracePeriodSeconds < 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{owner}: {field}.gracePeriodSeconds is {r.GracePeriodSeconds}; it cannot be negative");
            }

            if (r.Ingress is { } ingress && string.IsNullOrEmpty(ingress.Name))
            {
                return $"{owner}: {field}.ingress.name is empty; name the Ingress (for classType lanes, the gateway)";
            }

            if (r.Gateway is { } gateway && string.IsNullOrEmpty(gateway.HttpRouteName))
            {
                return $"{owner}: {field}.gateway.httpRouteName is empty; name the HTTPRoute";
            }

            for (var j = 0; j < (r.CustomNetworkRefs?.Count ?? 0); j++)
            {
                var custom = r.CustomNetworkRefs![j];
                if (string.IsNullOrEmpty(custom.ApiVersion) || string.IsNullOrEmpty(custom.Kind) || string.IsNullOrEmpty(custom.Name))
                {
                    return string.Create(CultureInfo.InvariantCulture, $"{owner}: {field}.customNetworkRefs[{j}] needs apiVersion, kind and name");
                }
            }

            if (r.Ingress?.ClassType == Lanes.LanesEntryProvider.ClassType)
            {
                foreach (var (strategy, strategyField) in strategies)
                {
                    if (!strategy.RoutesNothing && !SetsLaneHeader(strategy, laneHeader))
                    {
                        return $"{owner}: {strategyField}.requestHeaderModifier.set never sets the lane header {laneHeader}, so the Lanes gateway {r.Ingress.Name} ({field}.ingress, classType lanes) cannot tell which lane a matching request enters; add {{name: {laneHeader}, value: <lane>}}";
                    }
                }
            }
        }

        foreach (var (strategy, strategyField) in strategies)
        {
            if (strategy.Weight is < 0 or > 100)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{owner}: {strategyField}.weight is {strategy.Weight}; it must be between 0 and 100");
            }

            if (strategy.Traffic is { } traffic && strategy.CanaryPercent() is < 0 or > 100)
            {
                return $"{owner}: {strategyField}.traffic \"{traffic}\" must be a percentage with \"0%\" <= traffic <= \"100%\"";
            }
        }

        return null;
    }

    private static bool SetsLaneHeader(TrafficStrategy strategy, string laneHeader) =>
        strategy.RequestHeaderModifier?.Set?.Any(h => string.Equals(h.Name, laneHeader, StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(h.Value)) == true;
}
