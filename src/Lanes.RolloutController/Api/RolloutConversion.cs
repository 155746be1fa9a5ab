using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;

namespace Lanes.RolloutController.Api;

/// <summary>
/// Conversion between Rollout v1alpha1 and v1beta1 with Kruise's rules (<c>api/v1alpha1/conversion.go</c>),
/// and a tolerant reader that accepts either shape whatever apiVersion the server reports.
/// </summary>
internal static class RolloutConversion
{
    /// <summary>v1alpha1 → v1beta1.</summary>
    public static Rollout ToV1Beta1(RolloutV1Alpha1 source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var annotations = source.Metadata.Annotations;
        var style = annotations is not null && annotations.TryGetValue(KruiseNames.RollingStyleAnnotation, out var s) ? s : null;
        CanaryStrategy? canary = null;
        if (source.Spec.Strategy.Canary is { } c)
        {
            canary = new CanaryStrategy
            {
                Steps = c.Steps.Select(ToV1Beta1).ToList(),
                TrafficRoutings = c.TrafficRoutings,
                FailureThreshold = c.FailureThreshold,
                PatchPodTemplateMetadata = c.PatchPodTemplateMetadata,
                DisableGenerateCanaryService = c.DisableGenerateCanaryService,
                EnableExtraWorkloadForCanary = !string.Equals(style, "partition", StringComparison.OrdinalIgnoreCase),
                TrafficRoutingRef = annotations is not null && annotations.TryGetValue(KruiseNames.TrafficRoutingAnnotation, out var tr) ? tr : null,
            };
        }

        return new Rollout
        {
            Metadata = source.Metadata,
            Spec = new RolloutSpec
            {
                WorkloadRef = source.Spec.ObjectRef?.WorkloadRef,
                Disabled = source.Spec.Disabled,
                Strategy = new RolloutStrategy { Paused = source.Spec.Strategy.Paused, Canary = canary },
            },
            Status = source.Status,
        };
    }

    /// <summary>v1beta1 → v1alpha1. Path and query matches are lost, as in Kruise.</summary>
    public static RolloutV1Alpha1 ToV1Alpha1(Rollout source)
    {
        ArgumentNullException.ThrowIfNull(source);
        // A copy: converting must not change the Rollout it converts.
        var metadata = ApiJson.Read<V1ObjectMeta>(ApiJson.Write(source.Metadata)) ?? new V1ObjectMeta();
        CanaryStrategyV1Alpha1? canary = null;
        if (source.Spec.Strategy.Canary is { } c)
        {
            metadata.Annotations ??= new Dictionary<string, string>();
            metadata.Annotations[KruiseNames.RollingStyleAnnotation] = c.EnableExtraWorkloadForCanary ? "canary" : "partition";
            if (!string.IsNullOrEmpty(c.TrafficRoutingRef))
            {
                metadata.Annotations[KruiseNames.TrafficRoutingAnnotation] = c.TrafficRoutingRef;
            }

            canary = new CanaryStrategyV1Alpha1
            {
                Steps = c.Steps.Select(ToV1Alpha1).ToList(),
                TrafficRoutings = c.TrafficRoutings,
                FailureThreshold = c.FailureThreshold,
                PatchPodTemplateMetadata = c.PatchPodTemplateMetadata,
                DisableGenerateCanaryService = c.DisableGenerateCanaryService,
            };
        }

        return new RolloutV1Alpha1
        {
            Metadata = metadata,
            Spec = new RolloutSpecV1Alpha1
            {
                ObjectRef = new ObjectRefV1Alpha1 { WorkloadRef = source.Spec.WorkloadRef },
                Disabled = source.Spec.Disabled,
                Strategy = new RolloutStrategyV1Alpha1 { Paused = source.Spec.Strategy.Paused, Canary = canary },
            },
            Status = source.Status,
        };
    }

    /// <summary>
    /// Reads a Rollout object in either shape. With the CRD's conversion webhook the API server answers in the version
    /// asked for; without it (a CRD installed with <c>conversion: None</c>, or Rollouts stored before the webhook was
    /// set) an object keeps the shape it was written in, so the presence of <c>spec.objectRef</c> marks v1alpha1.
    /// </summary>
    /// <exception cref="JsonException">The document does not fit the Rollout model (a value of the wrong kind, a
    /// number out of range, a list holding <c>null</c>); the message says where.</exception>
    public static Rollout Read(JsonObject document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var apiVersion = document["apiVersion"] is JsonValue version && version.TryGetValue<string>(out var text) ? text : "";
        var spec = document["spec"] as JsonObject;
        var isAlpha = spec?["objectRef"] is not null || (spec?["workloadRef"] is null && apiVersion.EndsWith("/" + KruiseNames.V1Alpha1, StringComparison.Ordinal));
        try
        {
            return Normalized(isAlpha
                ? ToV1Beta1(Normalized(ApiJson.Read<RolloutV1Alpha1>(document) ?? new RolloutV1Alpha1()))
                : ApiJson.Read<Rollout>(document) ?? new Rollout());
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            // The serializer reports some mismatches (a number too large for its field) outside JsonException.
            throw new JsonException(e.Message, e);
        }
    }

    /// <summary>A v1alpha1 document as the v1alpha1 model; anything it cannot be is a <see cref="JsonException"/> naming it.</summary>
    public static RolloutV1Alpha1 ReadV1Alpha1(JsonObject document) =>
        Reading(() => Normalized(ApiJson.Read<RolloutV1Alpha1>(document) ?? new RolloutV1Alpha1()));

    /// <summary>A v1beta1 document as the v1beta1 model; anything it cannot be is a <see cref="JsonException"/> naming it.</summary>
    public static Rollout ReadV1Beta1(JsonObject document) =>
        Reading(() => Normalized(ApiJson.Read<Rollout>(document) ?? new Rollout()));

    private static T Reading<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            // The serializer reports some mismatches (a number too large for its field) outside JsonException.
            throw new JsonException(e.Message, e);
        }
    }

    // System.Text.Json writes null wherever a document says null, also into members the model never leaves null.
    private static RolloutV1Alpha1 Normalized(RolloutV1Alpha1 rollout)
    {
        rollout.Metadata ??= new();
        rollout.Spec ??= new();
        rollout.Spec.Strategy ??= new();
        if (rollout.Spec.Strategy.Canary is { } canary)
        {
            canary.Steps = NoNulls(canary.Steps, "spec.strategy.canary.steps") ?? [];
            foreach (var step in canary.Steps)
            {
                step.Matches = NoNulls(step.Matches, "spec.strategy.canary.steps[].matches");
            }

            canary.TrafficRoutings = NoNulls(canary.TrafficRoutings, "spec.strategy.canary.trafficRoutings");
        }

        return rollout;
    }

    private static Rollout Normalized(Rollout rollout)
    {
        rollout.Metadata ??= new();
        rollout.Spec ??= new();
        rollout.Spec.Strategy ??= new();
        if (rollout.Spec.Strategy.Canary is { } canary)
        {
            canary.Steps = NoNulls(canary.Steps, "spec.strategy.canary.steps") ?? [];
            foreach (var step in canary.Steps)
            {
                step.Matches = NoNulls(step.Matches, "spec.strategy.canary.steps[].matches");
                foreach (var match in step.Matches ?? [])
                {
                    match.Headers = NoNulls(match.Headers, "spec.strategy.canary.steps[].matches[].headers");
                }
            }

            canary.TrafficRoutings = NoNulls(canary.TrafficRoutings, "spec.strategy.canary.trafficRoutings");
        }

        if (rollout.Status is { } status)
        {
            status.Conditions = NoNulls(status.Conditions, "status.conditions");
        }

        return rollout;
    }

    private static List<T>? NoNulls<T>(List<T>? list, string path)
        where T : class
    {
        if (list is not null && list.Contains(null!))
        {
            throw new JsonException($"{path} holds an empty (null) item.");
        }

        return list;
    }

    private static CanaryStep ToV1Beta1(CanaryStepV1Alpha1 step) => new()
    {
        Traffic = step.Weight is { } w ? w.ToString(CultureInfo.InvariantCulture) + "%" : null,
        Replicas = step.Replicas ?? (step.Weight is { } weight ? IntOrPercent.FromPercent(weight) : null),
        Matches = step.Matches?.Select(static m => new HttpRouteMatch { Headers = m.Headers }).ToList(),
        RequestHeaderModifier = step.RequestHeaderModifier,
        Pause = step.Pause,
    };

    private static CanaryStepV1Alpha1 ToV1Alpha1(CanaryStep step) => new()
    {
        Weight = step.Traffic is { } t && int.TryParse(t.TrimEnd('%'), NumberStyles.Integer, CultureInfo.InvariantCulture, out var weight) ? weight : null,
        Replicas = step.Replicas,
        Matches = step.Matches?.Select(static m => new HeaderRouteMatchV1Alpha1 { Headers = m.Headers }).ToList(),
        RequestHeaderModifier = step.RequestHeaderModifier,
        Pause = step.Pause,
    };
}
