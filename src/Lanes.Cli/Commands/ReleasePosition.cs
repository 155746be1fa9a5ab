using System.Text.Json.Nodes;
using Lanes.Cli.Rendering;

namespace Lanes.Cli.Commands;

/// <summary>Which release and step a Rollout's status was at when read: what an approval or a step jump is meant for.</summary>
internal sealed record ReleasePosition(string Phase, int? Step, int StepCount, string State, string? CanaryRevision, string? RolloutId)
{
    public static ReleasePosition Read(JsonObject rollout)
    {
        var canary = rollout["status"]?["canaryStatus"];
        return new(
            JsonPaths.String(rollout["status"]?["phase"]) ?? "",
            canary is null ? null : JsonPaths.Int(canary["currentStepIndex"]),
            (rollout["spec"]?["strategy"]?["canary"]?["steps"] as JsonArray)?.Count ?? 0,
            JsonPaths.String(canary?["currentStepState"]) ?? "",
            JsonPaths.String(canary?["canaryRevision"]),
            JsonPaths.String(canary?["observedRolloutID"]));
    }

    /// <summary>The same release at the same step (the state may differ).</summary>
    public bool IsSameStepAs(ReleasePosition other) =>
        Step == other.Step && CanaryRevision == other.CanaryRevision && RolloutId == other.RolloutId;

    public override string ToString() =>
        Step is { } step ? $"step {step}/{StepCount} {State} (phase {Phase})" : $"no step (phase {(Phase.Length > 0 ? Phase : "not observed yet")})";
}
