using System.Text.Json.Nodes;
using Lanes.RolloutController.Decisions;

namespace Lanes.RolloutController.Cluster;

/// <summary>An observation plus the raw Rollout it came from (kept for the optimistic-concurrency status write).</summary>
internal sealed record ObservedRollout(RolloutObservation Observation, JsonObject Document);
