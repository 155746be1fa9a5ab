using Lanes.RolloutController.Api;
using Lanes.RolloutController.Decisions;

namespace Lanes.RolloutController.Tests.Decisions;

/// <summary>Kruise's TrafficRouting phase machine (pkg/controller/trafficrouting), as a table over the pure decider.</summary>
public sealed class TrafficRoutingDeciderTests
{
    [Theory]
    // phase, finalizers, deleting -> operation, phase while running, phase once done, add own finalizer, release when done
    [InlineData(null, "", false, "Initialize", "Initial", "Healthy", true, false)]
    [InlineData("Initial", "own", false, "Initialize", "Initial", "Healthy", false, false)]
    [InlineData("Healthy", "own", false, "None", "Healthy", "Healthy", false, false)]
    [InlineData("Healthy", "own,progressing.rollouts.kruise.io/rollout-a", false, "EnsureRoutes", "Progressing", "Progressing", false, false)]
    [InlineData("Progressing", "own,progressing.rollouts.kruise.io/rollout-a", false, "EnsureRoutes", "Progressing", "Progressing", false, false)]
    [InlineData("Progressing", "own", false, "Finalise", "Finalizing", "Healthy", false, false)]
    [InlineData("Finalizing", "own", false, "Finalise", "Finalizing", "Healthy", false, false)]
    [InlineData("Finalizing", "own,progressing.rollouts.kruise.io/rollout-a", false, "Finalise", "Finalizing", "Healthy", false, false)]
    [InlineData("Progressing", "own,progressing.rollouts.kruise.io/rollout-a", true, "EnsureRoutes", "Terminating", "Terminating", false, false)]
    [InlineData("Healthy", "own", true, "Finalise", "Terminating", "Terminating", false, true)]
    public void Decide_FollowsKruisePhases(string? phase, string finalizers, bool deleting, string operation, string during, string done, bool add, bool release)
    {
        var tr = new TrafficRouting { Status = phase is null ? null : new TrafficRoutingStatus { Phase = phase } };
        tr.Metadata.Name = "mse-traffic";
        tr.Metadata.Finalizers = finalizers.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(static f => f == "own" ? KruiseNames.TrafficRoutingFinalizer : f).ToList();
        tr.Metadata.DeletionTimestamp = deleting ? DateTime.UtcNow : null;

        var decision = TrafficRoutingDecider.Decide(tr);

        Assert.Equal(operation, decision.Operation.ToString());
        Assert.Equal(during, decision.Phase);
        Assert.Equal(done, decision.PhaseWhenDone);
        Assert.Equal((add, release), (decision.AddFinalizer, decision.RemoveFinalizerWhenDone));
        Assert.Equal(during == "Initial" ? "TrafficRouting is Initializing" : $"TrafficRouting is {during}", decision.Message);
        Assert.Equal($"TrafficRouting is {done}", decision.MessageWhenDone);
    }
}
