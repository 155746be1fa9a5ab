using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;
using Lanes.Cli.Cluster;
using Lanes.Cli.Rendering;

namespace Lanes.Cli.Commands;

/// <summary>
/// <c>rollout history NAME</c>: the Deployment's revisions (its ReplicaSets, as <c>kubectl rollout history</c> lists
/// them, with images and which one is stable), the latest release and its outcome from the Rollout's status, and the
/// releases' Events (steps upgraded, rollbacks, continuous releases).
/// </summary>
internal static class HistoryCommand
{
    public static Command Create(VerbRunner verbs)
    {
        var name = RolloutCommand.NameArgument();
        var output = GlobalOptions.Output();
        var command = new Command("history", "Show a Rollout's revisions and the outcome of its releases.") { name, output };
        verbs.SetAction(command, async (parse, api, cancellationToken) =>
        {
            var rolloutName = parse.GetValue(name)!;
            var snapshot = await RolloutSnapshot.ReadAsync(api, rolloutName, cancellationToken).ConfigureAwait(false);
            var summary = snapshot.Summary;
            var revisions = summary.Workload is { } workload && await api.TryGetDeploymentAsync(workload, cancellationToken).ConfigureAwait(false) is { } deployment
                ? await RevisionsAsync(api, deployment, summary.StableRevision, cancellationToken).ConfigureAwait(false)
                : [];
            var events = (await api.ListEventsAsync(cancellationToken).ConfigureAwait(false)).Items
                .Where(e => e.InvolvedObject?.Kind == "Rollout" && e.InvolvedObject.Name == rolloutName)
                .OrderBy(static e => e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? DateTime.MinValue)
                .ToList();
            var release = new JsonObject
            {
                ["rolloutID"] = summary.RolloutId,
                ["canaryRevision"] = summary.CanaryRevision,
                ["stableRevision"] = summary.StableRevision,
                ["step"] = summary.StepText,
                ["state"] = summary.State,
                ["outcome"] = summary.Outcome.ToString(),
                ["message"] = summary.Message,
            };
            var format = parse.GetValue(output);
            if (format != OutputFormat.Text)
            {
                var document = new JsonObject
                {
                    ["rollout"] = rolloutName,
                    ["namespace"] = api.Namespace,
                    ["revisions"] = new JsonArray(revisions.Select(static r => (JsonNode)new JsonObject
                    {
                        ["revision"] = r.Number,
                        ["podTemplateHash"] = r.Hash,
                        ["images"] = r.Images,
                        ["replicas"] = r.Replicas,
                        ["stable"] = r.Stable,
                        ["created"] = r.Created?.ToString("o", CultureInfo.InvariantCulture),
                    }).ToArray()),
                    ["latestRelease"] = release,
                    ["events"] = new JsonArray(events.Select(static e => (JsonNode)new JsonObject
                    {
                        ["time"] = (e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp)?.ToString("o", CultureInfo.InvariantCulture),
                        ["type"] = e.Type,
                        ["reason"] = e.Reason,
                        ["message"] = e.Message,
                    }).ToArray()),
                };
                ObjectWriter.Write(verbs.Console.Out, document, format);
                return ExitCodes.Success;
            }

            var text = verbs.Console.Out;
            await text.WriteLineAsync($"{KruiseApi.Display(rolloutName)} (Deployment/{summary.Workload ?? "-"})").ConfigureAwait(false);
            TextTable.Write(text, ["REVISION", "POD-TEMPLATE-HASH", "REPLICAS", "STABLE", "IMAGES"],
                revisions.Select(static r => (IReadOnlyList<string>)[r.Number, r.Hash, r.Replicas.ToString(CultureInfo.InvariantCulture), r.Stable ? "yes" : "", r.Images]).ToList());
            await text.WriteLineAsync().ConfigureAwait(false);
            await text.WriteLineAsync($"Latest release: {(summary.RolloutId is { Length: > 0 } id ? "rollout-id " + id + ", " : "")}canary revision {summary.CanaryRevision ?? "-"}, stable revision {summary.StableRevision ?? "-"}: {Outcome(summary)}").ConfigureAwait(false);
            await text.WriteLineAsync().ConfigureAwait(false);
            TextTable.Write(text, ["TIME", "TYPE", "REASON", "MESSAGE"],
                events.Select(static e => (IReadOnlyList<string>)[(e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp)?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "", e.Type ?? "", e.Reason ?? "", e.Message ?? ""]).ToList());
            return ExitCodes.Success;
        });
        return command;
    }

    private static string Outcome(RolloutSummary s) => s.Outcome switch
    {
        ReleaseOutcome.Succeeded when s.CanaryRevision is null => "no release yet",
        ReleaseOutcome.Succeeded => "completed",
        ReleaseOutcome.Canceled => "canceled (rolled back)",
        ReleaseOutcome.Failed => "failed: " + s.OutcomeReason,
        _ => $"in progress, step {s.StepText} {s.State}",
    };

    private sealed record Revision(string Number, string Hash, int Replicas, bool Stable, string Images, DateTime? Created);

    private static async Task<List<Revision>> RevisionsAsync(RolloutApi api, V1Deployment deployment, string? stableHash, CancellationToken cancellationToken)
    {
        var labels = deployment.Spec.Selector?.MatchLabels;
        var selector = labels is null ? "" : string.Join(",", labels.Select(static p => p.Key + "=" + p.Value));
        var owned = (await api.ListReplicaSetsAsync(selector, cancellationToken).ConfigureAwait(false)).Items
            .Where(rs => rs.Metadata.OwnerReferences?.Any(o => o.Uid == deployment.Metadata.Uid) == true);
        return owned
            .Select(rs =>
            {
                var hash = Labels.Get(rs.Metadata.Labels, "pod-template-hash") ?? "";
                return new Revision(
                    Labels.Get(rs.Metadata.Annotations, "deployment.kubernetes.io/revision") ?? "",
                    hash,
                    rs.Spec.Replicas ?? 0,
                    stableHash is not null && hash == stableHash,
                    string.Join(",", rs.Spec.Template?.Spec?.Containers?.Select(static c => c.Image) ?? []),
                    rs.Metadata.CreationTimestamp);
            })
            .OrderBy(static r => long.TryParse(r.Number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : long.MaxValue)
            .ToList();
    }
}
