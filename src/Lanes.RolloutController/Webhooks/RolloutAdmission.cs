using System.Globalization;
using System.Text.Json.Nodes;
using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Webhooks;

/// <summary>
/// Kruise's Rollout validation (pkg/webhook/rollout/validating/rollout_create_update_handler.go), canary style, with
/// its field paths and messages in apimachinery's <c>field.Error</c> format: one Rollout per workload, no change of
/// workloadRef, traffic routing, style or step count while a release runs, steps within bounds.
/// </summary>
internal static class RolloutAdmission
{
    /// <summary>The refusal (422's message) or null. <paramref name="latestPhase"/> is the stored object's phase.</summary>
    public static string? Validate(Rollout rollout, Rollout? old, string? latestPhase, IEnumerable<Rollout> others)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        var errors = ValidateSpec(rollout);
        errors.AddRange(Conflicts(rollout, others));
        if (errors.Count == 0 && old is not null && latestPhase is RolloutPhases.Progressing or RolloutPhases.Terminating)
        {
            if (!SameRef(old.Spec.WorkloadRef, rollout.Spec.WorkloadRef))
            {
                errors.Add(Forbidden("Spec.ObjectRef", "Rollout 'ObjectRef' field is immutable"));
            }
            else if (!JsonNode.DeepEquals(ApiJson.Write(old.Spec.Strategy.Canary?.TrafficRoutings), ApiJson.Write(rollout.Spec.Strategy.Canary?.TrafficRoutings)))
            {
                errors.Add(Forbidden("Spec.Strategy.Canary|BlueGreen.TrafficRoutings", "Rollout 'Strategy.Canary|BlueGreen.TrafficRoutings' field is immutable"));
            }
            else if (Style(old) != Style(rollout))
            {
                errors.Add(Forbidden("Spec.Strategy.Canary|BlueGreen", "Rollout style and enableExtraWorkloadForCanary are immutable"));
            }
            else if ((old.Spec.Strategy.Canary?.Steps.Count ?? 0) != (rollout.Spec.Strategy.Canary?.Steps.Count ?? 0))
            {
                errors.Add(Forbidden("Spec.Strategy.Canary|BlueGreen", "Amount of Rollout steps are immutable"));
            }
        }

        // utilerrors.NewAggregate: one message alone, several in brackets.
        return errors.Count switch
        {
            0 => null,
            1 => errors[0],
            _ => "[" + string.Join(", ", errors) + "]",
        };
    }

    private static List<string> ValidateSpec(Rollout rollout)
    {
        var target = rollout.Spec.WorkloadRef;
        if (target is null || string.IsNullOrEmpty(target.Kind))
        {
            return [Invalid("Spec.ObjectRef.WorkloadRef", "null", "WorkloadRef is required")];
        }

        var group = (target.ApiVersion ?? "").Contains('/', StringComparison.Ordinal) ? target.ApiVersion![..target.ApiVersion!.IndexOf('/', StringComparison.Ordinal)] : "";
        if (!IsSupportedWorkload(group, target.Kind))
        {
            return [Invalid("Spec.ObjectRef.WorkloadRef", Json(ApiJson.Write(target)), "WorkloadRef kind is not supported")];
        }

        var strategy = rollout.Spec.Strategy;
        if (strategy.Canary is null && strategy.BlueGreen is null)
        {
            return [Invalid("Spec.Strategy", "null", "Canary and BlueGreen cannot both be empty")];
        }

        if (strategy.Canary is not null && strategy.BlueGreen is not null)
        {
            return [Invalid("Spec.Strategy", "null", "Canary and BlueGreen cannot both be set")];
        }

        if (strategy.Canary is not { } canary)
        {
            // Blue-green is served by Kruise only; Lanes reports it on the Rollout (UnsupportedStrategy).
            return [];
        }

        var errors = Steps(canary.Steps, Style(rollout) == "partition");
        if (canary.TrafficRoutings is { Count: > 1 } refs)
        {
            errors.Add(Invalid("Spec.Strategy.Canary", Json(ApiJson.Write(refs)), "Rollout currently only support single TrafficRouting."));
        }

        foreach (var tr in canary.TrafficRoutings ?? [])
        {
            const string path = "Spec.Strategy.Canary.TrafficRouting";
            if (tr.GracePeriodSeconds < 0)
            {
                errors.Add(Invalid(path + ".GracePeriodSeconds", Quote(tr.Service), "TrafficRouting.GracePeriodSeconds cannot be negative"));
            }

            if (string.IsNullOrEmpty(tr.Service))
            {
                errors.Add(Invalid(path + ".Service", Quote(tr.Service), "TrafficRouting.Service cannot be empty"));
            }

            if (tr.Gateway is null && tr.Ingress is null && tr.CustomNetworkRefs is null)
            {
                errors.Add(Invalid(path + ".TrafficRoutings", "null", "TrafficRoutings are not set"));
            }

            if (tr.Ingress is { Name: "" or null })
            {
                errors.Add(Invalid(path + ".Ingress", Json(ApiJson.Write(tr.Ingress)), "TrafficRouting.Ingress.Ingress cannot be empty"));
            }

            if (tr.Gateway is { HttpRouteName: null or "" })
            {
                errors.Add(Invalid(path + ".Gateway", Json(ApiJson.Write(tr.Gateway)), "TrafficRouting.Gateway must set the name of HTTPRoute or HTTPsRoute"));
            }
        }

        return errors;
    }

    private static List<string> Steps(List<CanaryStep> steps, bool partition)
    {
        const string path = "Spec.Strategy.Canary.Steps";
        if (steps.Count == 0)
        {
            return [Invalid(path, "[]", "The number of Canary.Steps cannot be empty")];
        }

        var value = Json(ApiJson.Write(steps));
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var at = string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]");
            if (step.Replicas is not { } replicas)
            {
                return [Invalid(at + ".steps", value, "replicas cannot be empty")];
            }

            var scaled = replicas.IsValid ? replicas.Resolve(100) : -1;
            if (!replicas.IsValid || scaled <= 0 || (scaled > 100 && replicas.IsPercent))
            {
                return [Invalid(at + ".Replicas", replicas.IsPercent || !replicas.IsValid ? Quote(replicas.ToString()) : replicas.ToString(),
                    "replicas must be positive number, or a percentage with \"0%\" < canaryReplicas <= \"100%\"")];
            }

            if (step.Traffic is null && step.Matches is not { Count: > 0 })
            {
                continue;
            }

            if (partition && replicas.IsPercent && scaled > 50)
            {
                return [Invalid(at + ".steps", value, "For partition style rollout: step[x].replicas must not greater than partition-percent-limit if traffic specified")];
            }

            if (step.Traffic is { } traffic)
            {
                var weight = IntOrPercent.Parse(traffic);
                var w = weight.IsValid && weight.IsPercent ? weight.Resolve(100) : -1;
                if (w <= 0 || w > 100)
                {
                    return [Invalid(at + ".steps", value, "traffic must be percentage with \"0%\" < traffic <= \"100%\" in canary strategy")];
                }
            }
        }

        for (var i = 1; i < steps.Count; i++)
        {
            var previous = steps[i - 1].Replicas!.Value;
            var current = steps[i].Replicas!.Value;
            if (previous.IsPercent == current.IsPercent && current.Resolve(100) < previous.Resolve(100))
            {
                return [Invalid(path[..^".Steps".Length] + ".CanaryReplicas", value, "Steps.CanaryReplicas must be a non decreasing sequence")];
            }
        }

        return [];
    }

    private static IEnumerable<string> Conflicts(Rollout rollout, IEnumerable<Rollout> others)
    {
        foreach (var other in others)
        {
            if (other.Metadata.Name != rollout.Metadata.Name && SameRef(other.Spec.WorkloadRef, rollout.Spec.WorkloadRef))
            {
                yield return Invalid("Conflict Checker", Quote(rollout.Metadata.Name),
                    $"This rollout conflict with Rollout({other.Metadata.NamespaceProperty}/{other.Metadata.Name}), one workload only have less than one Rollout");
                yield break;
            }
        }
    }

    private static bool SameRef(WorkloadRef? a, WorkloadRef? b) =>
        a is not null && b is not null && a.ApiVersion == b.ApiVersion && a.Kind == b.Kind && a.Name == b.Name;

    // Kruise's util.IsSupportedWorkload: Deployment, StatefulSet, DaemonSet and Kruise's CloneSet/Advanced workloads.
    private static bool IsSupportedWorkload(string group, string kind) => (group, kind) switch
    {
        ("apps", "Deployment" or "StatefulSet" or "DaemonSet") => true,
        ("apps.kruise.io", "CloneSet" or "StatefulSet" or "DaemonSet") => true,
        _ => false,
    };

    private static string Style(Rollout rollout) => rollout.Spec.Strategy.Canary is { EnableExtraWorkloadForCanary: false } ? "partition" : "canary";

    private static string Invalid(string path, string value, string detail) => $"{path}: Invalid value: {value}: {detail}";

    private static string Forbidden(string path, string detail) => $"{path}: Forbidden: {detail}";

    private static string Quote(string? text) => System.Text.Json.JsonSerializer.Serialize(text ?? "");

    private static string Json(JsonNode? node) => node?.ToJsonString() ?? "null";
}
