using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Traffic;

/// <summary>Everything one route operation needs: who asks, which references, which strategy (Kruise's TrafficRoutingContext).</summary>
internal sealed record TrafficRoutingContext
{
    public required string Namespace { get; init; }

    public required TrafficRoutingOwner Owner { get; init; }

    /// <summary><c>namespace/name</c> of the owner, for messages.</summary>
    public string OwnerDescription => $"{Owner.Kind} {Namespace}/{Owner.Name}";

    public required IReadOnlyList<TrafficRoutingRef> Refs { get; init; }

    /// <summary>Where the references are in the owner's spec: <c>spec.objectRef</c> or <c>spec.strategy.canary.trafficRoutings</c>.</summary>
    public required string RefsField { get; init; }

    public required TrafficStrategy Strategy { get; init; }

    /// <summary>A shared TrafficRouting: no canary Service, the stable selector is never touched.</summary>
    public bool OnlyTrafficRouting { get; init; }

    public bool DisableGenerateCanaryService { get; init; }

    /// <summary>pod-template-hash of the stable pods (the stable Service is narrowed to them).</summary>
    public string? StableRevision { get; init; }

    /// <summary>pod-template-hash of the canary pods (the canary Service selects them).</summary>
    public string? CanaryRevision { get; init; }

    /// <summary>patchPodTemplateMetadata labels; they replace selector keys of the canary Service they share.</summary>
    public IReadOnlyDictionary<string, string>? CanarySelectorPatch { get; init; }

    /// <summary>The largest <c>gracePeriodSeconds</c> of the references; 3 when unset, as the CRD defaults it.</summary>
    public TimeSpan GracePeriod
    {
        get
        {
            var seconds = Refs.Count == 0 ? 3 : Refs.Max(static r => r.GracePeriodSeconds ?? 3);
            return TimeSpan.FromSeconds(seconds < 0 ? 3 : seconds);
        }
    }
}
