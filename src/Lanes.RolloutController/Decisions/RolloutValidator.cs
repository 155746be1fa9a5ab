using System.Globalization;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Traffic;

namespace Lanes.RolloutController.Decisions;

/// <summary>Checks that a Rollout can be served; a problem becomes the <c>Invalid</c> condition and nothing is changed.</summary>
internal static class RolloutValidator
{
    public static (string Reason, string Message)? Validate(RolloutObservation observed, string laneHeader)
    {
        if (observed.ReadError is { } error)
        {
            return ("InvalidSpec", "The Rollout could not be read: " + error);
        }

        var spec = observed.Rollout.Spec;
        var workload = spec.WorkloadRef;
        if (workload is null || string.IsNullOrEmpty(workload.Name) || string.IsNullOrEmpty(workload.Kind))
        {
            return ("MissingWorkloadRef", "The Rollout has no workload reference: set spec.workloadRef (v1beta1) or spec.objectRef.workloadRef (v1alpha1) to an apps/v1 Deployment");
        }

        if (workload.Kind != "Deployment" || workload.ApiVersion is not ("apps/v1" or null or ""))
        {
            return ("UnsupportedWorkload", string.Create(CultureInfo.InvariantCulture,
                $"Workload {workload.ApiVersion}/{workload.Kind} {workload.Name} is not supported: Lanes rolls out apps/v1 Deployments only"));
        }

        if (spec.Strategy.BlueGreen is not null)
        {
            return ("UnsupportedStrategy", "Blue-green releases are not supported yet: use spec.strategy.canary");
        }

        if (spec.Strategy.Canary is not { } canary)
        {
            return ("InvalidStrategy", "Canary and BlueGreen cannot both be empty");
        }

        if (!canary.EnableExtraWorkloadForCanary)
        {
            return ("UnsupportedStrategy", "Partition-style releases are not supported: set spec.strategy.canary.enableExtraWorkloadForCanary: true (v1beta1) so the canary runs as an extra Deployment");
        }

        if (canary.TrafficRoutings is { Count: > 1 })
        {
            return ("InvalidStrategy", "Rollout currently only support single TrafficRouting.");
        }

        if (canary.Steps.Count == 0)
        {
            return ("InvalidSteps", "The Rollout has no steps: spec.strategy.canary.steps must list at least one step");
        }

        IntOrPercent? previous = null;
        for (var i = 0; i < canary.Steps.Count; i++)
        {
            if (canary.Steps[i].Replicas is not { } replicas)
            {
                return ("InvalidSteps", string.Create(CultureInfo.InvariantCulture, $"steps[{i}].replicas cannot be empty"));
            }

            if (!replicas.IsValid)
            {
                return ("InvalidSteps", string.Create(CultureInfo.InvariantCulture, $"steps[{i}].replicas \"{replicas}\" is neither a number nor a percentage"));
            }

            if (replicas.IsPercent && replicas.Value > 100)
            {
                return ("InvalidSteps", string.Create(CultureInfo.InvariantCulture, $"steps[{i}].replicas {replicas} is over 100%"));
            }

            if (replicas.Value <= 0)
            {
                return ("InvalidSteps", string.Create(CultureInfo.InvariantCulture, $"steps[{i}].replicas {replicas} must be greater than 0"));
            }

            if (previous is { } p && p.IsPercent == replicas.IsPercent && replicas.Value < p.Value)
            {
                return ("InvalidSteps", "Steps.CanaryReplicas must be a non decreasing sequence");
            }

            previous = replicas;
        }

        if (canary.TrafficRoutings is { Count: > 0 } routes)
        {
            var strategies = canary.Steps
                .Select(static (step, i) => (Strategy: TrafficStrategy.From(step), Field: string.Create(CultureInfo.InvariantCulture, $"spec.strategy.canary.steps[{i}]")))
                .ToList();
            if (TrafficRoutingValidator.Validate($"Rollout {observed.Namespace}/{observed.Name}", routes, "spec.strategy.canary.trafficRoutings", strategies, laneHeader) is { } invalid)
            {
                return (TrafficRoutingReasons.InvalidTrafficRouting, invalid);
            }
        }

        if (observed.Workload is null)
        {
            return ("WorkloadNotFound", string.Create(CultureInfo.InvariantCulture,
                $"Workload Not Found: Deployment {workload.Name} does not exist in namespace {observed.Namespace}"));
        }

        return null;
    }
}
