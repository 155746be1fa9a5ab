using System.Text.Json.Nodes;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Decisions.Actions;
using Lanes.RolloutController.Decisions;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.RolloutController.Tests.Decisions;

/// <summary>Table tests over the pure <see cref="RolloutDecider.Decide"/>: no cluster, no clock.</summary>
public sealed partial class RolloutDeciderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
    private static readonly RolloutDecisionSettings Settings = new(TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(10));

    public static TheoryData<string, string, string, string?> Cases => new()
    {
        // name, situation, expected "phase/state/progressing-reason", expected action types (comma separated, in order)
        { "first sight of a rolled-out Deployment", "fresh", "Healthy/Completed/", "AddRolloutFinalizer,SetRolloutHash,LabelWorkload" },
        { "idle: healthy, labelled, nothing new", "idle", "Healthy/Completed/", null },
        { "template changed, held by the webhook", "changed", "Progressing/StepUpgrade/InRolling", "AttachTrafficRouting,CreateCanary" },
        { "template changed, the webhook missed it", "missed", "Progressing/StepUpgrade/InRolling", "AttachTrafficRouting,HoldWorkload,CreateCanary" },
        { "first sight mid native rollout", "freshRolling", "Healthy//", "AddRolloutFinalizer,SetRolloutHash" },
        { "canary created but not ready", "canaryNotReady", "Progressing/StepUpgrade/InRolling", null },
        { "canary ready", "canaryReady", "Progressing/StepPaused/InRolling", "LabelCanaryPods" },
        { "paused, nobody approved", "pausedIdle", "Progressing/StepPaused/InRolling", null },
        { "approved on the last step", "approved", "Progressing/Completed/Finalising", "DetachTrafficRouting,ReleaseWorkload" },
        { "finalising: rolled out, canary left", "finalisingRolledOut", "Progressing/Completed/Finalising", "DeleteCanaries" },
        { "finalising: stable still rolling", "finalisingRolling", "Progressing/Completed/Finalising", null },
        { "finalising: all clean", "finalised", "Healthy/Completed/Completed", null },
        { "last step's status write lost after the release, rolled out", "releasedRolledOut", "Progressing/Completed/Finalising", "DeleteCanaries" },
        { "last step's status write lost after the release, still rolling", "releasedRolling", "Progressing/Completed/Finalising", null },
        { "template reverted while paused", "reverted", "Progressing/StepPaused/Cancelling", "DetachTrafficRouting,ReleaseWorkload,DeleteCanaries" },
        { "strategy paused", "strategyPaused", "Progressing/StepPaused/Paused", null },
        { "newer template mid-release", "continuous", "Progressing/StepUpgrade/InRolling", "DeleteCanaries,CreateCanary" },
        { "workload unpaused by someone mid-release", "unheld", "Progressing/StepPaused/InRolling", "HoldWorkload" },
        { "shared TrafficRouting missing", "trMissing", "Progressing//Initializing", null },
        { "deleted while healthy", "deletedHealthy", "Terminating/Completed/", "RemoveRolloutFinalizer" },
        { "deleted mid-release", "deletedMidRelease", "Terminating/StepPaused/InRolling", "DetachTrafficRouting,ReleaseWorkload,DeleteCanaries" },
        { "disabled mid-release", "disabledMidRelease", "Disabling/StepPaused/InRolling", "DetachTrafficRouting,ReleaseWorkload,DeleteCanaries" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decide_Table(string name, string situation, string expected, string? actions)
    {
        var observation = Situation(situation);
        var decision = RolloutDecider.Decide(observation, T0.AddMinutes(1), Settings);
        var s = decision.Status;
        Assert.True(
            expected == $"{s.Phase}/{s.CanaryStatus?.CurrentStepState}/{s.Conditions?.Find(static c => c.Type == ConditionTypes.Progressing)?.Reason}",
            $"{name}: expected {expected}, got {s.Phase}/{s.CanaryStatus?.CurrentStepState}/{s.Conditions?.Find(static c => c.Type == ConditionTypes.Progressing)?.Reason}");
        Assert.Equal(actions ?? "", string.Join(",", decision.Actions.Select(static a => a.GetType().Name)));
    }

    [Fact]
    public void Decide_CanaryReady_PausesWithTheExactKruiseMessage()
    {
        var decision = RolloutDecider.Decide(Situation("canaryReady"), T0.AddMinutes(1), Settings);
        Assert.Equal("Rollout is in step(1/1), and you need manually confirm to enter the next step", decision.Status.Message);
        Assert.Equal(decision.Status.Message, decision.Status.Conditions!.Find(static c => c.Type == ConditionTypes.Progressing)!.Message);
        Assert.Equal("BatchRelease is at state Ready, rollout-id rev-v2, step 1", decision.Status.CanaryStatus!.Message);
        Assert.Equal(1, decision.Status.CurrentStepIndex);
        Assert.Equal(CanaryStepStates.StepPaused, decision.Status.CurrentStepState);
        Assert.Equal("pth-canary", decision.Status.CanaryStatus.PodTemplateHash);
    }

    [Fact]
    public void Decide_Idle_ChangesNothing()
    {
        var decision = RolloutDecider.Decide(Situation("pausedIdle"), T0.AddHours(5), Settings);
        Assert.False(decision.StatusChanged);
        Assert.Empty(decision.Actions);
        Assert.Null(decision.RequeueAfter);
    }

    [Fact]
    public void Decide_CreateCanary_CarriesStepReplicasAndLaneLabels()
    {
        var create = Assert.IsType<CreateCanary>(RolloutDecider.Decide(Situation("changed"), T0, Settings).Actions[^1]);
        Assert.Equal(1, create.Replicas);
        Assert.Equal("rev-v2", create.Revision);
        Assert.Equal("gray", create.Patch!.Labels!["alicloud.service.tag"]);
        Assert.Equal("gray", create.Patch.Labels["opensergo.io/canary-gray"]);
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(9, false)]
    public void Decide_NextStepIndexPatched_RerunsTheStepOrIsCorrected(int next, bool rerun)
    {
        // At step 1 of 2 the default nextStepIndex is 2; patching 1 re-runs step 1, an out-of-range value is corrected.
        var observation = Situation("timedPause");
        var status = Clone(observation.Rollout.Status!);
        var pausedSince = status.CanaryStatus!.LastUpdateTime;
        status.CanaryStatus.NextStepIndex = next;
        var now = T0.AddSeconds(10);

        var decision = RolloutDecider.Decide(With(observation, status), now, Settings);

        var cs = decision.Status.CanaryStatus!;
        Assert.Equal(1, cs.CurrentStepIndex);
        Assert.Equal(2, cs.NextStepIndex);
        Assert.Equal(CanaryStepStates.StepPaused, cs.CurrentStepState);
        Assert.Equal(rerun ? now : pausedSince, cs.LastUpdateTime);
    }

    [Theory]
    [InlineData(29, CanaryStepStates.StepPaused, 1)]
    [InlineData(30, CanaryStepStates.StepUpgrade, 2)]
    public void Decide_TimedPause_MovesOnlyWhenDue(int seconds, string state, int step)
    {
        var observation = Situation("timedPause");
        var decision = RolloutDecider.Decide(observation, T0.AddSeconds(seconds), Settings);
        Assert.Equal(state, decision.Status.CanaryStatus!.CurrentStepState);
        Assert.Equal(step, decision.Status.CanaryStatus.CurrentStepIndex);
        if (state == CanaryStepStates.StepPaused)
        {
            Assert.Equal(TimeSpan.FromSeconds(1), decision.RequeueAfter);
            Assert.Equal("Rollout is in step(1/2), and wait duration(30 seconds) to enter the next step", decision.Status.Message);
        }
    }

    [Theory]
    [InlineData(599, false)]
    [InlineData(600, true)]
    public void Decide_CanaryNeverReady_ReportsTimeoutOnce(int seconds, bool reported)
    {
        var decision = RolloutDecider.Decide(Situation("canaryNotReady"), T0.AddSeconds(seconds), Settings);
        var condition = decision.Status.Conditions?.Find(static c => c.Type == ConditionTypes.CanaryReady);
        Assert.Equal(reported, condition is not null);
        if (reported)
        {
            Assert.Equal("False", condition!.Status);
            Assert.Contains("did not become ready within 600s", decision.Status.Message, StringComparison.Ordinal);
            var again = RolloutDecider.Decide(With(Situation("canaryNotReady"), decision.Status), T0.AddSeconds(seconds + 100), Settings);
            Assert.False(again.StatusChanged);
        }
        else
        {
            Assert.Equal(TimeSpan.FromSeconds(1), decision.RequeueAfter);
        }
    }

    [Theory]
    [InlineData("{\"steps\":[]}", "InvalidSteps")]
    [InlineData("{\"steps\":[{\"replicas\":\"101%\"}]}", "InvalidSteps")]
    [InlineData("{\"steps\":[{\"replicas\":0}]}", "InvalidSteps")]
    [InlineData("{\"steps\":[{\"pause\":{}}]}", "InvalidSteps")]
    [InlineData("{\"steps\":[{\"replicas\":\"50%\"},{\"replicas\":\"20%\"}]}", "InvalidSteps")]
    public void Decide_InvalidSteps_ReportsAndDoesNothing(string canaryJson, string reason)
    {
        var observation = Situation("fresh");
        var canary = ApiJson.Read<CanaryStrategy>(JsonNode.Parse(canaryJson))!;
        canary.EnableExtraWorkloadForCanary = true;
        observation.Rollout.Spec.Strategy.Canary = canary;
        var decision = RolloutDecider.Decide(observation, T0, Settings);
        Assert.Empty(decision.Actions);
        Assert.Equal(RolloutPhases.Initial, decision.Status.Phase);
        Assert.Equal(reason, decision.Status.Conditions!.Single(static c => c.Type == ConditionTypes.Invalid).Reason);
    }

    [Theory]
    [InlineData("1", 2, 1)]
    [InlineData("5", 2, 2)]
    [InlineData("50%", 4, 2)]
    [InlineData("50%", 3, 2)]
    [InlineData("20%", 3, 1)]
    [InlineData("100%", 5, 5)]
    public void DesiredReplicas_RoundsUpAndCapsAtStable(string replicas, int stable, int expected) =>
        Assert.Equal(expected, RolloutDecider.DesiredReplicas(new CanaryStep { Replicas = IntOrPercent.Parse(replicas) }, stable));

    [Theory]
    [InlineData(2, 2, 2, null, true)]
    [InlineData(2, 2, 1, null, false)]
    [InlineData(2, 2, 1, "50%", true)]
    [InlineData(2, 2, 0, "100%", false)]
    [InlineData(1, 2, 2, null, false)]
    public void IsBatchReady_FollowsKruise(int specReplicas, int statusReplicas, int available, string? threshold, bool ready)
    {
        var canary = new CanaryObservation { Name = "c", Replicas = specReplicas, StatusReplicas = statusReplicas, AvailableReplicas = available, Generation = 1, ObservedGeneration = 1 };
        Assert.Equal(ready, RolloutDecider.IsBatchReady(canary, 2, threshold is null ? null : IntOrPercent.Parse(threshold)));
    }

    [Fact]
    public void Decide_CanaryReady_ButTheLaneRuleIsNotInPlace_DoesNotPause()
    {
        var observation = Situation("canaryReady") with { TrafficRouting = NotRouted("RoutesUpdating", "created canary Ingress default/spring-cloud-a-canary at weight 0; waiting the 3s grace period") };

        var decision = RolloutDecider.Decide(observation, T0.AddMinutes(1), Settings);

        Assert.Equal(CanaryStepStates.StepTrafficRouting, decision.Status.CanaryStatus!.CurrentStepState);
        Assert.Equal("Rollout is in step(1/1), and waits for its traffic: TrafficRouting mse-traffic: created canary Ingress default/spring-cloud-a-canary at weight 0; waiting the 3s grace period", decision.Status.Message);
        var ready = decision.Status.Conditions!.Single(static c => c.Type == ConditionTypes.TrafficReady);
        Assert.Equal(("False", "RoutesUpdating"), (ready.Status, ready.Reason));
        Assert.NotNull(decision.RequeueAfter);
    }

    [Fact]
    public void Decide_Paused_WhenTheLaneRuleBreaks_GoesBackToStepTrafficRouting_AndPausesAgainOnceItIsBack()
    {
        var paused = Situation("pausedIdle");
        var broken = paused with { TrafficRouting = NotRouted("EntryNotFound", "Ingress default/spring-cloud-a not found (TrafficRouting default/mse-traffic, spec.objectRef[0].ingress.name)") };

        var decision = RolloutDecider.Decide(broken, T0.AddMinutes(5), Settings);

        Assert.Equal(CanaryStepStates.StepTrafficRouting, decision.Status.CanaryStatus!.CurrentStepState);
        Assert.Equal(T0.AddMinutes(5), decision.Status.CanaryStatus.LastUpdateTime);
        Assert.Contains("Ingress default/spring-cloud-a not found", decision.Status.Message, StringComparison.Ordinal);
        Assert.Equal("EntryNotFound", decision.Status.Conditions!.Single(static c => c.Type == ConditionTypes.TrafficReady).Reason);

        var restored = RolloutDecider.Decide(With(paused, decision.Status), T0.AddMinutes(6), Settings);
        Assert.Equal(CanaryStepStates.StepPaused, restored.Status.CanaryStatus!.CurrentStepState);
        Assert.Equal("True", restored.Status.Conditions!.Single(static c => c.Type == ConditionTypes.TrafficReady).Status);
    }

    [Fact]
    public void Decide_NewTemplate_OnATrafficRoutingThatNeverInitialised_WaitsAndTouchesNothing()
    {
        var observation = Situation("changed") with
        {
            TrafficRouting = NotRouted("ProviderNotFound", "No traffic provider handles ingress classType \"istio\" (TrafficRouting default/mse-traffic, spec.objectRef[0].ingress.classType)") with { Phase = "Initial" },
        };

        var decision = RolloutDecider.Decide(observation, T0, Settings);

        Assert.Empty(decision.Actions);
        Assert.Equal("Initializing", decision.Status.Conditions!.Single(static c => c.Type == ConditionTypes.Progressing).Reason);
        Assert.StartsWith("No traffic provider handles ingress classType \"istio\"", decision.Status.Message, StringComparison.Ordinal);
        Assert.Equal("ProviderNotFound", decision.Status.Conditions!.Single(static c => c.Type == ConditionTypes.TrafficReady).Reason);
    }

    [Fact]
    public void Decide_OwnRoutes_RouteTheStep_WithACheckpointThatHasNotPaused()
    {
        var canaryReady = Situation("canaryReady");
        var observation = canaryReady with { Rollout = SeedRollout(OwnRoutes, canaryReady.Rollout.Status, finalizer: true), TrafficRouting = null };

        // The release began with this plan (no plan change).
        observation.Rollout.Status!.CanaryStatus!.RolloutHash = observation.Rollout.Metadata.Annotations![KruiseNames.RolloutHashAnnotation];
        var decision = RolloutDecider.Decide(observation, T0.AddMinutes(1), Settings);

        Assert.Equal(CanaryStepStates.StepPaused, decision.Status.CanaryStatus!.CurrentStepState);
        var route = Assert.Single(decision.Actions.OfType<RouteTraffic>());
        Assert.Equal(("pth-stable", "pth-canary"), (route.StableRevision, route.CanaryRevision));
        Assert.Equal("xiaoming", route.Strategy.Matches![0].Headers![0].Value);
        Assert.Equal(CanaryStepStates.StepTrafficRouting, route.Checkpoint!.CanaryStatus!.CurrentStepState);
        Assert.Equal(CanaryStepStates.StepTrafficRouting, route.Checkpoint.CurrentStepState);
        Assert.Equal(Settings.RouteCheckPeriod, decision.RequeueAfter);
    }

    [Fact]
    public void Decide_OwnRoutes_ARollbackTakesTrafficOffTheCanaryBeforeAnythingElse()
    {
        var pausedIdle = Situation("pausedIdle");
        var reverted = pausedIdle with
        {
            Rollout = SeedRollout(OwnRoutes, pausedIdle.Rollout.Status, finalizer: true),
            TrafficRouting = null,
            Workload = pausedIdle.Workload! with { TemplateRevision = "rev-v1", IsTemplateStable = true },
        };

        var decision = RolloutDecider.Decide(reverted, T0.AddMinutes(1), Settings);

        Assert.Equal("RestoreTraffic,ReleaseWorkload,DeleteCanaries", string.Join(",", decision.Actions.Select(static a => a.GetType().Name)));
        Assert.True(((RestoreTraffic)decision.Actions[0]).RoutesOnly);
    }

    private static void OwnRoutes(Rollout r)
    {
        r.Metadata.Annotations!.Remove(KruiseNames.TrafficRoutingAnnotation);
        var canary = r.Spec.Strategy.Canary!;
        canary.TrafficRoutingRef = null;
        canary.TrafficRoutings = [new TrafficRoutingRef { Service = "spring-cloud-a", Ingress = new IngressTrafficRouting { Name = "spring-cloud-a" } }];
        canary.Steps[0].Matches = [new HttpRouteMatch { Headers = [new HttpValueMatch { Name = "User-Agent", Value = "xiaoming" }] }];
    }

    private static TrafficRoutingObservation NotRouted(string reason, string message) => Tr(attached: true) with
    {
        TrafficReady = new RolloutCondition { Type = ConditionTypes.TrafficReady, Status = "False", Reason = reason, Message = message },
    };

    private static RolloutObservation Situation(string name)
    {
        var fresh = new RolloutObservation { Rollout = SeedRollout(), Workload = Stable(), TrafficRouting = Tr(attached: false) };
        var idle = With(fresh with { Workload = Stable() with { WorkloadTypeLabel = "deployment" } }, RolloutDecider.Decide(fresh, T0, Settings).Status, finalizer: true);
        var missedWorkload = idle.Workload! with { TemplateRevision = "rev-v2", IsTemplateStable = false, Generation = 2, ObservedGeneration = 2 };
        var missed = idle with { Workload = missedWorkload };
        var changedWorkload = missedWorkload with { Paused = true, InProgressingRollout = "rollout-a", StableRevisionLabel = "pth-stable" };
        var changed = idle with { Workload = changedWorkload };
        var freshRolling = fresh with { Workload = missedWorkload with { UpdatedReplicas = 1 } };
        var started = RolloutDecider.Decide(changed, T0, Settings).Status;
        var held = changedWorkload with { InProgressingRollout = "rollout-a", StableRevisionLabel = "pth-stable" };
        var canaryNotReady = With(changed with { Workload = held, TrafficRouting = Tr(attached: true), Canaries = [Canary("rev-v2", available: 0)] }, started);
        var canaryReady = canaryNotReady with { Canaries = [Canary("rev-v2", available: 1)] };
        var paused = RolloutDecider.Decide(canaryReady, T0, Settings).Status;
        var pausedIdle = With(canaryReady, paused);
        var approvedStatus = Clone(paused);
        approvedStatus.CanaryStatus!.CurrentStepState = CanaryStepStates.StepReady;
        var approved = With(canaryReady, approvedStatus);
        var finalising = RolloutDecider.Decide(approved, T0, Settings).Status;
        // As ReleaseWorkload leaves it, and Kruise too: unpaused, no in-progressing mark, the stable-revision label kept.
        var released = held with { Paused = false, InProgressingRollout = null };
        var finalisingRolledOut = With(approved with { Workload = released with { StableRevision = "pth-new", IsTemplateStable = true }, TrafficRouting = Tr(attached: false) }, finalising);
        var finalisingRolling = finalisingRolledOut with { Workload = finalisingRolledOut.Workload! with { UpdatedReplicas = 1 } };
        var finalised = finalisingRolledOut with { Canaries = [] };
        var releasedRolledOut = With(approved with { Workload = released with { StableRevision = "pth-new", IsTemplateStable = true }, TrafficRouting = Tr(attached: false) }, approvedStatus);
        var releasedRolling = releasedRolledOut with { Workload = released with { UpdatedReplicas = 1 } };
        var reverted = pausedIdle with { Workload = held with { TemplateRevision = "rev-v1", IsTemplateStable = true } };
        var strategyPaused = pausedIdle with { Rollout = SeedRollout(paused => paused.Spec.Strategy.Paused = true, pausedIdle.Rollout.Status, finalizer: true) };
        var continuous = pausedIdle with { Workload = held with { TemplateRevision = "rev-v3" }, Canaries = [Canary("rev-v2", available: 1)] };
        var unheld = pausedIdle with { Workload = held with { Paused = false } };
        var trMissing = changed with { TrafficRouting = new TrafficRoutingObservation { Name = "mse-traffic", Exists = false } };
        var deletedHealthy = idle with { Rollout = SeedRollout(r => r.Metadata.DeletionTimestamp = T0.UtcDateTime, idle.Rollout.Status, finalizer: true) };
        var deletedMidRelease = pausedIdle with { Rollout = SeedRollout(r => r.Metadata.DeletionTimestamp = T0.UtcDateTime, pausedIdle.Rollout.Status, finalizer: true) };
        var disabledMidRelease = pausedIdle with { Rollout = SeedRollout(r => r.Spec.Disabled = true, pausedIdle.Rollout.Status, finalizer: true) };
        var timedRollout = SeedRollout(r => r.Spec.Strategy.Canary!.Steps = [
            new CanaryStep { Replicas = IntOrPercent.FromInt(1), Pause = new RolloutPause { Duration = 30 } },
            new CanaryStep { Replicas = IntOrPercent.FromInt(2), Pause = new RolloutPause() }]);
        var timedStart = With(changed with { Rollout = timedRollout, Workload = held with { Replicas = 3 }, TrafficRouting = Tr(attached: true), Canaries = [Canary("rev-v2", available: 1)] }, started, finalizer: true);
        var timedPaused = RolloutDecider.Decide(timedStart, T0, Settings).Status;
        var timedPause = With(timedStart, timedPaused);

        return name switch
        {
            "fresh" => fresh,
            "idle" => idle,
            "changed" => changed,
            "missed" => missed,
            "freshRolling" => freshRolling,
            "canaryNotReady" => canaryNotReady,
            "canaryReady" => canaryReady,
            "pausedIdle" => pausedIdle,
            "approved" => approved,
            "finalisingRolledOut" => finalisingRolledOut,
            "finalisingRolling" => finalisingRolling,
            "finalised" => finalised,
            "releasedRolledOut" => releasedRolledOut,
            "releasedRolling" => releasedRolling,
            "reverted" => reverted,
            "strategyPaused" => strategyPaused,
            "continuous" => continuous,
            "unheld" => unheld,
            "trMissing" => trMissing,
            "deletedHealthy" => deletedHealthy,
            "deletedMidRelease" => deletedMidRelease,
            "disabledMidRelease" => disabledMidRelease,
            "timedPause" => timedPause,
            _ => throw new ArgumentException(name),
        };
    }

    private static RolloutObservation With(RolloutObservation observation, RolloutStatus status, bool finalizer = true)
    {
        var rollout = SeedRollout(r =>
        {
            r.Spec = observation.Rollout.Spec;
            r.Metadata.DeletionTimestamp = observation.Rollout.Metadata.DeletionTimestamp;
            foreach (var kept in new[] { Lanes.RolloutController.Analysis.AnalysisNames.AnalysisAnnotation, Lanes.RolloutController.Analysis.AnalysisNames.ArgsAnnotation })
            {
                if (observation.Rollout.Metadata.Annotations?.TryGetValue(kept, out var value) == true)
                {
                    r.Metadata.Annotations![kept] = value;
                }
            }
        }, Clone(status), finalizer);
        return observation with { Rollout = rollout };
    }

    private static RolloutStatus Clone(RolloutStatus status) => ApiJson.Read<RolloutStatus>(ApiJson.Write(status))!;

    private static Rollout SeedRollout(Action<Rollout>? change = null, RolloutStatus? status = null, bool finalizer = false)
    {
        var yaml = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Seed", "rollout.yaml"));
        var (_, document) = Manifests.Load(yaml)[0];
        var rollout = RolloutConversion.Read(document);
        rollout.Metadata.NamespaceProperty = "default";
        rollout.Metadata.Generation = 1;
        rollout.Metadata.Uid = "uid-rollout-a";
        if (finalizer)
        {
            rollout.Metadata.Finalizers = [KruiseNames.RolloutFinalizer];
        }

        rollout.Status = status is null ? null : Clone(status);
        change?.Invoke(rollout);
        if (finalizer)
        {
            // A Rollout the controller has seen carries Kruise's plan hash.
            rollout.Metadata.Annotations![KruiseNames.RolloutHashAnnotation] = RolloutPlanHash.Compute(rollout.Spec.Strategy.Canary);
        }

        return rollout;
    }

    private static WorkloadObservation Stable() => new()
    {
        Name = "spring-cloud-a",
        Uid = "uid-a",
        Generation = 1,
        ObservedGeneration = 1,
        Replicas = 2,
        TemplateRevision = "rev-v1",
        StableRevision = "pth-stable",
        IsTemplateStable = true,
        ReplicaSetCount = 1,
        StatusReplicas = 2,
        UpdatedReplicas = 2,
        AvailableReplicas = 2,
    };

    private static CanaryObservation Canary(string revision, int available) => new()
    {
        Name = "spring-cloud-a-x7k2p",
        Revision = revision,
        Replicas = 1,
        Generation = 1,
        ObservedGeneration = 1,
        StatusReplicas = 1,
        AvailableReplicas = available,
        PodTemplateHash = "pth-canary",
    };

    private static TrafficRoutingObservation Tr(bool attached) => new()
    {
        Name = "mse-traffic",
        Exists = true,
        Phase = attached ? "Progressing" : "Healthy",
        Generation = 1,
        ObservedGeneration = 1,
        TrafficReady = new RolloutCondition { Type = ConditionTypes.TrafficReady, Status = "True", Reason = "RoutesReady", Message = "The lane rule is in place" },
        Finalizers = attached ? [KruiseNames.TrafficRoutingFinalizer, "progressing.rollouts.kruise.io/rollout-a"] : [KruiseNames.TrafficRoutingFinalizer],
    };
}
