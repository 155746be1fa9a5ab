using Lanes.RolloutController.Api;
using Lanes.RolloutController.Decisions.Actions;
using Lanes.RolloutController.Decisions;

namespace Lanes.RolloutController.Tests.Decisions;

/// <summary>Kruise's behaviour, point by point (openkruise/rollouts pkg/controller/rollout, commit 9dd6279).</summary>
public sealed partial class RolloutDeciderTests
{
    /// <summary>rollout_canary.go doCanaryPaused: only a last step whose replicas is the string "100%" skips its pause.</summary>
    public static TheoryData<string, string, int, bool> LastStepCases => new()
    {
        // steps (replicas per step), workload replicas, which step is checked (1-based), whether the pause is skipped
        { "100%", "1", 1, true },
        { "1", "1", 1, false },          // replicas: 1 on a 1-replica Deployment still needs approval
        { "2", "2", 1, false },          // a count covering the Deployment is not "100%"
        { "50%", "2", 1, false },
        { "1,100%", "2", 2, true },
        { "100%,100%", "2", 1, false },  // not the last step
        { "1,2", "2", 2, false },
    };

    [Theory]
    [MemberData(nameof(LastStepCases))]
    public void Decide_LastStepPause_IsSkippedOnlyForOneHundredPercent(string steps, string workloadReplicas, int step, bool skipped)
    {
        var replicas = int.Parse(workloadReplicas, System.Globalization.CultureInfo.InvariantCulture);
        var plan = steps.Split(',').Select(static r => new CanaryStep { Replicas = IntOrPercent.Parse(r), Pause = new RolloutPause() }).ToList();
        var observation = AtStep(plan, replicas, step, CanaryStepStates.StepPaused);

        var decision = RolloutDecider.Decide(observation, T0.AddMinutes(1), Settings);

        var cs = decision.Status.CanaryStatus!;
        if (skipped)
        {
            Assert.NotEqual(CanaryStepStates.StepPaused, cs.CurrentStepState);
        }
        else
        {
            Assert.Equal(CanaryStepStates.StepPaused, cs.CurrentStepState);
            Assert.Equal(step, cs.CurrentStepIndex);
            Assert.Equal($"Rollout is in step({step}/{plan.Count}), and you need manually confirm to enter the next step", decision.Status.Message);
        }
    }

    [Fact]
    public void Decide_Rollback_CancelsWithKruiseMessageAndEvent_ThenObservesARollbackId()
    {
        var reverted = Situation("reverted");

        var cancelling = RolloutDecider.Decide(reverted, T0.AddMinutes(1), Settings);

        const string message = "The workload has been rolled back and the rollout process will be canceled";
        Assert.Equal(message, cancelling.Status.Conditions!.Find(static c => c.Type == ConditionTypes.Progressing)!.Message);
        Assert.Equal(message, cancelling.Status.Message);
        Assert.Contains(cancelling.Events, static e => e is { Type: "Normal", Reason: "Progressing", Message: "workload has been rollback, then rollout is canceled" });
        Assert.Equal("rev-v1", cancelling.Status.CanaryStatus!.CanaryRevision);

        // Next pass: the status describes the workload's revision again, in rollback (st:357-369).
        var next = RolloutDecider.Decide(With(reverted, cancelling.Status), T0.AddMinutes(2), Settings);
        Assert.Equal("rollback-rev-v1", next.Status.CanaryStatus!.ObservedRolloutID);
    }

    [Fact]
    public void Decide_RolloutIdLabel_WinsOverTheRevision()
    {
        var reverted = Situation("reverted");
        var labelled = reverted with { Workload = reverted.Workload! with { RolloutId = "release-42" } };
        var cancelling = RolloutDecider.Decide(labelled, T0.AddMinutes(1), Settings);
        var next = RolloutDecider.Decide(With(labelled, cancelling.Status), T0.AddMinutes(2), Settings);
        Assert.Equal("release-42", next.Status.CanaryStatus!.ObservedRolloutID);
    }

    [Fact]
    public void Decide_ContinuousRelease_RestartsWithKruiseMessageAndEvent()
    {
        var decision = RolloutDecider.Decide(Situation("continuous"), T0.AddMinutes(1), Settings);
        Assert.Contains(decision.Events, static e => e is { Reason: "Progressing", Message: "workload continuous publishing canaryRevision, then restart publishing" });
        Assert.Equal("rev-v3", decision.Status.CanaryStatus!.CanaryRevision);
    }

    [Fact]
    public void Decide_StepUpgraded_RecordsKruiseEventAndLabelsPodsForTheBatch()
    {
        var decision = RolloutDecider.Decide(Situation("canaryReady"), T0.AddMinutes(1), Settings);
        Assert.Contains(decision.Events, static e => e is { Type: "Normal", Reason: "Progressing", Message: "upgrade step(1) canary pods with new versions done" });
        var label = Assert.Single(decision.Actions.OfType<LabelCanaryPods>());
        Assert.Equal(("pth-canary", "rev-v2"), (label.PodTemplateHash, label.RolloutId));
        Assert.Equal([1], label.PlannedIncrements);
    }

    [Fact]
    public void PlannedIncrements_AreTheNewPodsOfEachBatchUpToTheCurrentOne()
    {
        List<CanaryStep> steps = [new() { Replicas = IntOrPercent.FromInt(1) }, new() { Replicas = IntOrPercent.FromPercent(50) }, new() { Replicas = IntOrPercent.FromPercent(100) }];
        Assert.Equal([1, 4, 0], RolloutDecider.PlannedIncrements(steps, 2, 10));
        Assert.Equal([1, 4, 5], RolloutDecider.PlannedIncrements(steps, 3, 10));
    }

    [Fact]
    public void Decide_Completion_WritesSucceededWithEmptyReasonAndMessage()
    {
        var s = RolloutDecider.Decide(Situation("finalised"), T0.AddMinutes(1), Settings).Status;
        var succeeded = s.Conditions!.Find(static c => c.Type == ConditionTypes.Succeeded)!;
        Assert.Equal(("True", "", ""), (succeeded.Status, succeeded.Reason, succeeded.Message));
        var progressing = s.Conditions!.Find(static c => c.Type == ConditionTypes.Progressing)!;
        Assert.Equal(("False", "Completed", "Rollout progressing has been completed"), (progressing.Status, progressing.Reason, progressing.Message));
    }

    [Fact]
    public void Decide_DisabledMidRelease_SaysKruiseDisablingMessage()
    {
        var s = RolloutDecider.Decide(Situation("disabledMidRelease"), T0.AddMinutes(1), Settings).Status;
        Assert.Equal((RolloutPhases.Disabling, "Disabling rollout, release resources"), (s.Phase, s.Message));
    }

    [Fact]
    public void Decide_Resume_KeepsTheMessageUntilTheStepWritesItsOwn()
    {
        var paused = RolloutDecider.Decide(Situation("strategyPaused"), T0.AddMinutes(1), Settings).Status;
        Assert.Equal("Rollout has been paused, you can resume it by kube-cli", paused.Message);
        var resumed = RolloutDecider.Decide(With(Situation("pausedIdle"), paused), T0.AddMinutes(2), Settings).Status;
        var progressing = resumed.Conditions!.Find(static c => c.Type == ConditionTypes.Progressing)!;
        Assert.Equal(ConditionTypes.ReasonInRolling, progressing.Reason);
        Assert.Equal("Rollout is in step(1/1), and you need manually confirm to enter the next step", progressing.Message);
    }

    [Fact]
    public void Decide_FirstSight_WritesKruisePlanHash_AndStatusCarriesIt()
    {
        var fresh = new RolloutObservation { Rollout = SeedRollout(), Workload = Stable(), TrafficRouting = Tr(attached: false) };
        var decision = RolloutDecider.Decide(fresh, T0, Settings);
        var hash = Assert.Single(decision.Actions.OfType<SetRolloutHash>()).Hash;
        Assert.Equal(RolloutPlanHash.Compute(fresh.Rollout.Spec.Strategy.Canary), hash);
        Assert.Equal(hash, decision.Status.CanaryStatus!.RolloutHash);
    }

    /// <summary>rollout_progressing.go handleRolloutPlanChanged / recalculateCanaryStep and rollout_status.go doStepJump.</summary>
    [Theory]
    [InlineData("2,4,10", 2, "2,4,10", 2, CanaryStepStates.StepPaused, false)]   // nothing changed: no jump
    [InlineData("2,4,10", 2, "1,4,10", 2, CanaryStepStates.StepPaused, true)]    // current step still covers: its traffic again, paused again
    [InlineData("2,4,10", 2, "1,2,3,4,10", 4, CanaryStepStates.StepPaused, true)] // 4 canary pods are step 4 now: traffic, pause
    [InlineData("2,4,10", 2, "1,6,10", 2, CanaryStepStates.StepUpgrade, true)]   // step 2 grows: upgrade again
    [InlineData("2,4,10", 2, "2,3,10", 3, CanaryStepStates.StepUpgrade, true)]   // the target is the next step: current step Ready, go on
    public void Decide_PlanChanged_RecalculatesTheStepAndJumps(string before, int step, string after, int expectedStep, string expectedState, bool moved)
    {
        static List<CanaryStep> Plan(string text) => text.Split(',').Select(static r => new CanaryStep { Replicas = IntOrPercent.Parse(r), Pause = new RolloutPause() }).ToList();
        var observation = AtStep(Plan(before), 10, step, CanaryStepStates.StepPaused);
        observation.Rollout.Spec.Strategy.Canary!.Steps = Plan(after);
        observation.Rollout.Metadata.Annotations![KruiseNames.RolloutHashAnnotation] = RolloutPlanHash.Compute(observation.Rollout.Spec.Strategy.Canary);

        var decision = RolloutDecider.Decide(observation, T0.AddMinutes(1), Settings);

        var cs = decision.Status.CanaryStatus!;
        Assert.Equal(expectedStep, cs.CurrentStepIndex);
        Assert.Equal(expectedState, cs.CurrentStepState);
        Assert.Equal(RolloutPlanHash.Compute(observation.Rollout.Spec.Strategy.Canary), cs.RolloutHash);
        Assert.Equal(moved, cs.LastUpdateTime == T0.AddMinutes(1));
    }

    [Fact]
    public void Decide_TemplateChangeTheWebhookMissed_IsHeldAndSaidInAWarning()
    {
        var decision = RolloutDecider.Decide(Situation("missed"), T0.AddMinutes(1), Settings);
        Assert.Contains(decision.Actions, static a => a is HoldWorkload);
        Assert.Contains(decision.Events, static e => e is { Type: "Warning", Reason: "NotIntercepted" });
    }

    /// <summary>
    /// Kruise's IsInRollback: the template is the stable one again. A new template that finished rolling out natively
    /// (the webhook missed it, the hold came too late) also matches the stable ReplicaSet, but a new one: no rollback.
    /// </summary>
    [Theory]
    [InlineData("pth-stable", "workload has been rollback, then rollout is canceled", "Normal")]
    [InlineData("pth-new", "Deployment spring-cloud-a rolled out a new template natively: the admission webhook did not hold it and the rollout finished before the controller's pass, so it was not canaried", "Warning")]
    public void Decide_TemplateMatchesTheStableReplicaSetMidRelease_RollbackOnlyWhenItIsTheReleasesStable(string stableNow, string message, string type)
    {
        var pausedIdle = Situation("pausedIdle");
        var template = stableNow == "pth-stable" ? "rev-v1" : "rev-v2";
        var observation = pausedIdle with { Workload = pausedIdle.Workload! with { TemplateRevision = template, StableRevision = stableNow, IsTemplateStable = true } };

        var decision = RolloutDecider.Decide(observation, T0.AddMinutes(1), Settings);

        var recorded = Assert.Single(decision.Events);
        Assert.Equal((type, message), (recorded.Type, recorded.Message));
        Assert.Equal(ConditionTypes.ReasonCancelling, decision.Status.Conditions!.Find(static c => c.Type == ConditionTypes.Progressing)!.Reason);
        Assert.Contains(decision.Actions, static a => a is DeleteCanaries);
    }

    [Fact]
    public void Decide_FirstSightMidNativeRollout_LetsItFinish()
    {
        var decision = RolloutDecider.Decide(Situation("freshRolling"), T0, Settings);
        Assert.DoesNotContain(decision.Actions, static a => a is HoldWorkload);
        Assert.Empty(decision.Events);
    }

    // A release of rev-v2 paused (or in the given state) at `step`, with a ready canary of that step's size.
    private static RolloutObservation AtStep(List<CanaryStep> plan, int workloadReplicas, int step, string state)
    {
        var pausedIdle = Situation("pausedIdle");
        var rollout = SeedRollout(r => r.Spec.Strategy.Canary!.Steps = plan, null, finalizer: true);
        var status = Clone(pausedIdle.Rollout.Status!);
        var cs = status.CanaryStatus!;
        cs.CurrentStepIndex = step;
        cs.NextStepIndex = step < plan.Count ? step + 1 : -1;
        cs.CurrentStepState = state;
        cs.RolloutHash = rollout.Metadata.Annotations![KruiseNames.RolloutHashAnnotation];
        var desired = RolloutDecider.DesiredReplicas(plan[step - 1], workloadReplicas);
        cs.CanaryReplicas = desired;
        cs.CanaryReadyReplicas = desired;
        status.CurrentStepIndex = step;
        status.CurrentStepState = state;
        rollout.Status = status;
        var canary = Canary("rev-v2", available: desired) with { Replicas = desired, StatusReplicas = desired };
        return pausedIdle with { Rollout = rollout, Workload = pausedIdle.Workload! with { Replicas = workloadReplicas }, Canaries = [canary] };
    }
}
