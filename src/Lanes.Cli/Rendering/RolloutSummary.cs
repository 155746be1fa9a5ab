using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Lanes.Cli.Cluster;

namespace Lanes.Cli.Rendering;

/// <summary>What the status view shows of one Rollout, read from its JSON (the v1beta1 shape) and its workload's.</summary>
internal sealed record RolloutSummary
{
    public required string Name { get; init; }

    public required string Namespace { get; init; }

    public string? Workload { get; init; }

    public string Phase { get; init; } = "";

    public string Message { get; init; } = "";

    public bool Paused { get; init; }

    public int StepCount { get; init; }

    public int? CurrentStep { get; init; }

    public string State { get; init; } = "";

    public int CanaryReplicas { get; init; }

    public int CanaryReady { get; init; }

    /// <summary>Canary replicas the current step asks for, when the step and the workload's size say.</summary>
    public int? CanaryDesired { get; init; }

    public string? CanaryRevision { get; init; }

    public string? StableRevision { get; init; }

    public string? RolloutId { get; init; }

    /// <summary>The traffic rule in force at the entry, in words.</summary>
    public string Traffic { get; init; } = "";

    /// <summary>Analysis results the controller reported, one line each (none until a controller writes them).</summary>
    public IReadOnlyList<string> Analysis { get; init; } = [];

    public ReleaseOutcome Outcome { get; init; }

    /// <summary>Why the outcome is what it is, for the final line.</summary>
    public string OutcomeReason { get; init; } = "";

    public static RolloutSummary From(JsonObject rollout, JsonObject? workload, JsonObject? trafficRouting)
    {
        var metadata = rollout["metadata"];
        var spec = rollout["spec"];
        var status = rollout["status"];
        var canary = status?["canaryStatus"];
        var steps = spec?["strategy"]?["canary"]?["steps"] as JsonArray ?? [];
        var current = JsonPaths.Int(canary?["currentStepIndex"]);
        var state = JsonPaths.String(canary?["currentStepState"]) ?? "";
        var phase = JsonPaths.String(status?["phase"]) ?? "";
        var workloadReplicas = JsonPaths.Int(workload?["spec"]?["replicas"]) ?? 1;
        var step = current is >= 1 && current <= steps.Count ? steps[current.Value - 1] : null;
        var (outcome, reason) = Judge(rollout, workload);
        return new RolloutSummary
        {
            Name = JsonPaths.String(metadata?["name"]) ?? "",
            Namespace = JsonPaths.String(metadata?["namespace"]) ?? "",
            Workload = JsonPaths.String(spec?["workloadRef"]?["name"]),
            Phase = phase,
            Message = JsonPaths.String(status?["message"]) ?? "",
            Paused = JsonPaths.Bool(spec?["strategy"]?["paused"]) == true,
            StepCount = steps.Count,
            CurrentStep = canary is null ? null : current,
            State = state,
            CanaryReplicas = JsonPaths.Int(canary?["canaryReplicas"]) ?? 0,
            CanaryReady = JsonPaths.Int(canary?["canaryReadyReplicas"]) ?? 0,
            CanaryDesired = step is null ? null : DesiredReplicas(JsonPaths.IntOrString(step["replicas"]), workloadReplicas),
            CanaryRevision = JsonPaths.String(canary?["canaryRevision"]),
            StableRevision = JsonPaths.String(canary?["stableRevision"]),
            RolloutId = JsonPaths.String(canary?["observedRolloutID"]),
            Traffic = TrafficInForce(phase, state, current, steps, trafficRouting),
            Analysis = AnalysisLines(status),
            Outcome = outcome,
            OutcomeReason = reason,
        };
    }

    /// <summary>Step <c>replicas</c>: a count, or a percentage of the workload rounded up as Kruise does.</summary>
    internal static int? DesiredReplicas(string? replicas, int workloadReplicas)
    {
        if (string.IsNullOrEmpty(replicas))
        {
            return null;
        }

        if (replicas.EndsWith('%') && int.TryParse(replicas.AsSpan(0, replicas.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var percent))
        {
            return (int)Math.Ceiling(workloadReplicas * percent / 100.0);
        }

        return int.TryParse(replicas, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : null;
    }

    private static (ReleaseOutcome Outcome, string Reason) Judge(JsonObject rollout, JsonObject? workload)
    {
        var status = rollout["status"];
        var phase = JsonPaths.String(status?["phase"]) ?? "";
        var message = JsonPaths.String(status?["message"]) ?? "";
        if (Condition(status, "Invalid") is { } invalid && JsonPaths.String(invalid["status"]) == "True")
        {
            return (ReleaseOutcome.Failed, "the Rollout is invalid: " + (JsonPaths.String(invalid["message"]) ?? message));
        }

        if (phase is "Disabled" or "Disabling" or "Terminating")
        {
            return (ReleaseOutcome.Failed, $"the Rollout is {phase.ToLowerInvariant()}: {message}");
        }

        // The release's analysis failed: the controller took traffic off the canary and removed it (Lanes' own reason).
        if (Condition(status, "Progressing") is { } aborted && JsonPaths.String(aborted["reason"]) == "Aborted")
        {
            return (ReleaseOutcome.Failed, "the analysis failed: " + (JsonPaths.String(aborted["message"]) ?? message));
        }

        if (Condition(status, "CanaryReady") is { } ready && JsonPaths.String(ready["status"]) == "False")
        {
            return (ReleaseOutcome.Failed, "the canary did not become ready: " + (JsonPaths.String(ready["message"]) ?? message));
        }

        // The controller has not caught up with a spec change yet: its status speaks of the previous one.
        var generation = JsonPaths.Long(rollout["metadata"]?["generation"]);
        var observed = JsonPaths.Long(status?["observedGeneration"]);
        if (phase != "Healthy" || (generation is not null && observed is not null && observed < generation))
        {
            return (ReleaseOutcome.InProgress, message);
        }

        // The webhook held the workload for a release the controller has not started: not done either.
        if (JsonPaths.String(workload?["metadata"]?["annotations"]?[KruiseApi.InProgressingAnnotation]) is not null)
        {
            return (ReleaseOutcome.InProgress, "the workload is held for a release");
        }

        if (Condition(status, "Succeeded") is { } succeeded && JsonPaths.String(succeeded["status"]) == "False")
        {
            var progressing = Condition(status, "Progressing");
            return (ReleaseOutcome.Canceled, JsonPaths.String(progressing?["message"]) ?? message);
        }

        return (ReleaseOutcome.Succeeded, message);
    }

    private static JsonObject? Condition(JsonNode? status, string type) =>
        (status?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => JsonPaths.String(c["type"]) == type);

    // The rule of the last step whose traffic was applied: the current step once its traffic is routed, else the one before.
    private static string TrafficInForce(string phase, string state, int? current, JsonArray steps, JsonObject? trafficRouting)
    {
        if (phase != "Progressing" || current is null)
        {
            return "none: all traffic goes to stable";
        }

        var routed = state is "StepTrafficRouting" or "StepMetricsAnalysis" or "StepPaused" or "StepReady" or "Completed";
        var index = routed ? current.Value : current.Value - 1;
        if (index < 1 || index > steps.Count)
        {
            return "none yet: all traffic goes to stable";
        }

        var step = steps[index - 1] as JsonObject;
        var rule = Describe(step);
        if (rule.Length == 0 && trafficRouting?["spec"]?["strategy"] is JsonObject shared)
        {
            rule = Describe(shared);
        }

        return rule.Length == 0 ? $"step {index}: no traffic rule (canary pods only)" : $"step {index}: {rule}";
    }

    private static string Describe(JsonObject? rule)
    {
        if (rule is null)
        {
            return "";
        }

        var parts = new List<string>();
        if (JsonPaths.IntOrString(rule["traffic"] ?? rule["weight"]) is { } weight)
        {
            parts.Add("weight " + (weight.EndsWith('%') ? weight : weight + "%"));
        }

        if (rule["matches"] is JsonArray matches)
        {
            var alternatives = matches.OfType<JsonObject>().Select(static m =>
                string.Join(" and ", (m["headers"] as JsonArray ?? []).OfType<JsonObject>().Select(static h =>
                    $"{JsonPaths.String(h["name"])}{(JsonPaths.String(h["type"]) is "RegularExpression" ? "~" : "=")}{JsonPaths.String(h["value"])}"))).Where(static s => s.Length > 0).ToList();
            if (alternatives.Count > 0)
            {
                parts.Add("requests with " + string.Join(" or ", alternatives));
            }
        }

        if (rule["requestHeaderModifier"] is JsonObject modifier)
        {
            var edits = new StringBuilder();
            foreach (var verb in new[] { "set", "add" })
            {
                foreach (var header in (modifier[verb] as JsonArray ?? []).OfType<JsonObject>())
                {
                    edits.Append(edits.Length > 0 ? ", " : "").Append(verb).Append(' ').Append(JsonPaths.String(header["name"])).Append(": ").Append(JsonPaths.String(header["value"]));
                }
            }

            foreach (var header in (modifier["remove"] as JsonArray ?? []).OfType<JsonValue>())
            {
                edits.Append(edits.Length > 0 ? ", " : "").Append("remove ").Append(JsonPaths.String(header));
            }

            if (edits.Length > 0)
            {
                parts.Add(edits.ToString());
            }
        }

        return string.Join("; ", parts);
    }

    // The controller's analysis runs (status.lanes.analysis, newest last): one line per run of the current release's
    // steps, "step 1 Successful: ..." with the run's own sentence. Other "analysis…" fields of status or canaryStatus
    // (another controller's) are shown as they are.
    private static List<string> AnalysisLines(JsonNode? status)
    {
        var lines = new List<string>();
        if (status?["lanes"]?["analysis"] is JsonArray runs)
        {
            var revision = JsonPaths.String(status["canaryStatus"]?["canaryRevision"]);
            foreach (var run in runs.OfType<JsonObject>())
            {
                if (revision is not null && JsonPaths.String(run["canaryRevision"]) is { } judged && judged != revision)
                {
                    continue;
                }

                var step = JsonPaths.Int(run["step"]);
                var phase = JsonPaths.String(run["phase"]) ?? "";
                var why = JsonPaths.String(run["message"]);
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"step {step} {phase}{(string.IsNullOrEmpty(why) ? "" : ": " + why)}"));
            }
        }

        foreach (var holder in new[] { status as JsonObject, status?["canaryStatus"] as JsonObject })
        {
            foreach (var (key, value) in holder ?? [])
            {
                if (key.StartsWith("analysis", StringComparison.OrdinalIgnoreCase) && value is not null)
                {
                    if (value is JsonArray items)
                    {
                        lines.AddRange(items.Where(static i => i is not null).Select(static i => i!.ToJsonString()));
                    }
                    else
                    {
                        lines.Add(key + ": " + value.ToJsonString());
                    }
                }
            }
        }

        return lines;
    }

    public string StepText => CurrentStep is { } step ? string.Create(CultureInfo.InvariantCulture, $"{step}/{StepCount}") : "-";

    public string CanaryText =>
        CanaryDesired is { } desired
            ? string.Create(CultureInfo.InvariantCulture, $"{CanaryReady}/{desired} ready")
            : string.Create(CultureInfo.InvariantCulture, $"{CanaryReady}/{CanaryReplicas} ready");

    /// <summary>One line for the plain watch: printed each time it changes.</summary>
    public string Line =>
        $"{Name}: {Phase}{(Paused ? " (paused)" : "")}, step {StepText} {(State.Length > 0 ? State : "-")}, canary {CanaryText}, traffic {Traffic}" +
        (Analysis.Count > 0 ? ", analysis " + string.Join("; ", Analysis) : "") + (Message.Length > 0 ? ": " + Message : "");
}
