using System.CommandLine;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Lanes.Cli.Cluster;
using Lanes.Cli.Rendering;

namespace Lanes.Cli.Commands;

/// <summary>
/// <c>rollout rollback NAME</c>: cancels the release in progress by restoring the Deployment's pod template to the stable
/// revision (the template of its stable ReplicaSet). That is a plain update of the template, so unlike
/// <c>kubectl rollout undo</c> it works while the Deployment is paused, which it is for the whole release; the
/// controller sees the template back at the stable revision, takes traffic off the canary, removes it and resumes the
/// Deployment without restarting stable pods (Kruise's rollback).
/// <c>--to-step N</c> instead goes back to an earlier step of the running release (status <c>nextStepIndex</c>, as
/// kubectl-kruise's <c>rollback --step</c>): the controller re-runs that step's traffic rule and pause. The canary keeps
/// the pods it has (a canary Deployment is only scaled up during a release, as in Kruise).
/// </summary>
internal static class RollbackCommand
{
    private const int MaxAttempts = 10;

    public static Command Create(VerbRunner verbs)
    {
        var name = RolloutCommand.NameArgument();
        var toStep = new Option<int?>("--to-step") { Description = "Go back to this earlier step of the running release instead of canceling it." };
        var command = new Command("rollback", "Roll back the release in progress: restore the stable revision (works while the Deployment is paused), or go back to an earlier step with --to-step.") { name, toStep };
        verbs.SetAction(command, async (parse, api, cancellationToken) =>
        {
            var rolloutName = parse.GetValue(name)!;
            var line = parse.GetValue(toStep) is { } step
                ? await ToStepAsync(api, rolloutName, step, cancellationToken).ConfigureAwait(false)
                : await ToStableAsync(api, rolloutName, cancellationToken).ConfigureAwait(false);
            await verbs.Console.Out.WriteLineAsync(line).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<string> ToStepAsync(RolloutApi api, string name, int target, CancellationToken cancellationToken)
    {
        var rollout = await api.GetRolloutAsync(name, cancellationToken).ConfigureAwait(false);
        var read = ReleasePosition.Read(rollout);
        if (read.Phase != "Progressing" || read.Step is null || read.State == KruiseApi.Completed)
        {
            throw new CliException($"error: {KruiseApi.Display(name)} has no release in progress (it is at {read}); --to-step goes back to an earlier step of a running release");
        }

        if (target < 1 || target >= read.Step)
        {
            var range = read.Step > 1 ? $"1..{read.Step - 1}" : "none: it is at its first step";
            throw new CliException($"error: --to-step {target} is not an earlier step of {KruiseApi.Display(name)}, which is at step {read.Step}/{read.StepCount}; earlier steps: {range}");
        }

        await StepGuardedWrite.WriteAsync(
            api, name, rollout, read,
            canary => canary["nextStepIndex"] = target,
            static now => now.Phase == "Progressing" && now.State != KruiseApi.Completed,
            "rolled back",
            cancellationToken).ConfigureAwait(false);
        return $"{KruiseApi.Display(name)} rolled back to step {target}";
    }

    private static async Task<string> ToStableAsync(RolloutApi api, string name, CancellationToken cancellationToken)
    {
        var rollout = await api.GetRolloutAsync(name, cancellationToken).ConfigureAwait(false);
        var workloadRef = rollout["spec"]?["workloadRef"];
        var kind = JsonPaths.String(workloadRef?["kind"]);
        var workload = JsonPaths.String(workloadRef?["name"]);
        if (kind != "Deployment" || workload is null)
        {
            throw new CliException($"error: {KruiseApi.Display(name)} controls {kind ?? "no workload"} {workload}; rollback restores Deployments only");
        }

        var stableHash = JsonPaths.String(rollout["status"]?["canaryStatus"]?["stableRevision"]);
        for (var attempt = 1; ; attempt++)
        {
            var deployment = await api.GetDeploymentAsync(workload, cancellationToken).ConfigureAwait(false);
            if (deployment.Metadata.Annotations?.ContainsKey(KruiseApi.InProgressingAnnotation) != true)
            {
                throw new CliException($"error: {KruiseApi.Display(name)} has no release in progress to roll back (Deployment {workload} is not held by it); to return to an older version, apply its template: that starts a new release");
            }

            var stable = await StableReplicaSetAsync(api, deployment, stableHash ?? Labels.Get(deployment.Metadata.Labels, KruiseApi.StableRevisionLabel), cancellationToken).ConfigureAwait(false)
                ?? throw new CliException($"error: Deployment {workload} has no ReplicaSet of its stable revision {stableHash ?? "(unknown)"}; cannot tell which template to restore");
            var revision = Labels.Get(stable.Metadata.Labels, "pod-template-hash") ?? stable.Metadata.Name;
            var template = WithoutHashLabel(stable.Spec.Template);
            if (SameTemplate(template, WithoutHashLabel(deployment.Spec.Template)))
            {
                return $"{KruiseApi.Display(name)} skipped rollback (Deployment {workload} already has the stable template, revision {revision}; the controller is finishing the rollback)";
            }

            deployment.Spec.Template = template;
            if (await api.TryReplaceDeploymentAsync(deployment, cancellationToken).ConfigureAwait(false))
            {
                return $"{KruiseApi.Display(name)} rolled back (Deployment {workload} restored to stable revision {revision})";
            }

            if (attempt == MaxAttempts)
            {
                throw new CliException($"error: Deployment {workload} changed {MaxAttempts} times while rolling back; try again");
            }
        }
    }

    // The stable revision's ReplicaSet: the one the status names, else the oldest that still has replicas (Kruise's choice).
    private static async Task<V1ReplicaSet?> StableReplicaSetAsync(RolloutApi api, V1Deployment deployment, string? stableHash, CancellationToken cancellationToken)
    {
        var labels = deployment.Spec.Selector?.MatchLabels;
        var selector = labels is null ? null : string.Join(",", labels.Select(static p => p.Key + "=" + p.Value));
        var owned = (await api.ListReplicaSetsAsync(selector ?? "", cancellationToken).ConfigureAwait(false)).Items
            .Where(rs => rs.Metadata.OwnerReferences?.Any(o => o.Uid == deployment.Metadata.Uid) == true).ToList();
        return owned.FirstOrDefault(rs => stableHash is not null && Labels.Get(rs.Metadata.Labels, "pod-template-hash") == stableHash)
            ?? owned.Where(static rs => (rs.Spec.Replicas ?? 0) > 0).OrderBy(static rs => rs.Metadata.CreationTimestamp ?? DateTime.MinValue).FirstOrDefault();
    }

    private static V1PodTemplateSpec WithoutHashLabel(V1PodTemplateSpec template)
    {
        var copy = KubernetesJson.Deserialize<V1PodTemplateSpec>(KubernetesJson.Serialize(template));
        copy.Metadata?.Labels?.Remove("pod-template-hash");
        return copy;
    }

    private static bool SameTemplate(V1PodTemplateSpec a, V1PodTemplateSpec b) =>
        JsonNode.DeepEquals(JsonNode.Parse(KubernetesJson.Serialize(a)), JsonNode.Parse(KubernetesJson.Serialize(b)));
}
