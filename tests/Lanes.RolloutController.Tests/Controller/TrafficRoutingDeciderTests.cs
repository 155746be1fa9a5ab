using Lanes.RolloutController.Api;
using Lanes.RolloutController.Controller;

namespace Lanes.RolloutController.Tests.Controller;

public sealed class TrafficRoutingDeciderTests
{
    [Theory]
    [InlineData(null, "", false, "Healthy", true, false, false, false)]
    [InlineData("Healthy", "own", false, "Healthy", false, false, false, false)]
    [InlineData("Healthy", "own,progressing.rollouts.kruise.io/rollout-a", false, "Progressing", false, false, true, false)]
    [InlineData("Progressing", "own", false, "Healthy", false, false, false, true)]
    [InlineData("Progressing", "own,progressing.rollouts.kruise.io/rollout-a", true, "Terminating", false, false, false, false)]
    [InlineData("Healthy", "own", true, "Terminating", false, true, false, true)]
    public void Decide_FollowsAttachedRollouts(string? phase, string finalizers, bool deleting, string expectedPhase, bool add, bool remove, bool ensure, bool restore)
    {
        var tr = new TrafficRouting { Status = phase is null ? null : new TrafficRoutingStatus { Phase = phase } };
        tr.Metadata.Name = "mse-traffic";
        tr.Metadata.Finalizers = finalizers.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(static f => f == "own" ? KruiseNames.TrafficRoutingFinalizer : f).ToList();
        tr.Metadata.DeletionTimestamp = deleting ? DateTime.UtcNow : null;

        var decision = TrafficRoutingDecider.Decide(tr);

        Assert.Equal(expectedPhase, decision.Status.Phase);
        Assert.Equal($"TrafficRouting is {expectedPhase}", decision.Status.Message);
        Assert.Equal((add, remove, ensure, restore), (decision.AddFinalizer, decision.RemoveFinalizer, decision.EnsureRoutes, decision.RestoreRoutes));
    }
}
