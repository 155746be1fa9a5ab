using Lanes.RolloutController.Analysis;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Decisions;
using Lanes.RolloutController.Decisions.Actions;

namespace Lanes.RolloutController.Tests.Decisions;

/// <summary>The decider at Kruise's StepMetricsAnalysis point with a Rollout that asks for analysis (<c>lanes.dev/analysis</c>).</summary>
public sealed partial class RolloutDeciderTests
{
    private const string Template = "lane-vs-base";

    [Fact]
    public void Analysis_CanaryReady_StartsTheRunAndWaits()
    {
        var decision = RolloutDecider.Decide(Analysed(run: null), T0, Settings);
        var start = Assert.Single(decision.Actions.OfType<StartAnalysis>());
        Assert.Equal((1, "rev-v2", Template), (start.Step, start.CanaryRevision, start.Templates));
        Assert.Equal(CanaryStepStates.StepMetricsAnalysis, decision.Status.CurrentStepState);
        Assert.Contains("analysis lane-vs-base is running", decision.Status.Message, StringComparison.Ordinal);
        Assert.Equal("Unknown", Condition(decision, RolloutDecider.ConditionAnalysis)!.Status);
        Assert.Equal(TimeSpan.FromSeconds(1), decision.RequeueAfter);
    }

    [Fact]
    public void Analysis_Running_Waits()
    {
        var decision = Decide(Analysed(Run(AnalysisPhases.Running)));
        Assert.Equal(CanaryStepStates.StepMetricsAnalysis, decision.Status.CurrentStepState);
        Assert.DoesNotContain(decision.Actions, static a => a is ReleaseWorkload or DeleteCanaries or DetachTrafficRouting);
        Assert.Contains("error-share [0.01]", decision.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Analysis_Passed_StepGoesToItsPause_AndApprovalStillWorks()
    {
        var decision = Decide(Analysed(Run(AnalysisPhases.Successful)));
        Assert.Equal(CanaryStepStates.StepPaused, decision.Status.CurrentStepState);
        Assert.Equal("Rollout is in step(1/1), and you need manually confirm to enter the next step", decision.Status.Message);
        Assert.Equal("True", Condition(decision, RolloutDecider.ConditionAnalysis)!.Status);
        Assert.Equal(AnalysisPhases.Successful, Assert.Single(decision.Status.Lanes!.Analysis!).Phase);
        Assert.Contains(decision.Events, static e => e.Reason == "AnalysisSucceeded");
        Assert.DoesNotContain(decision.Actions, static a => a is ReleaseWorkload or DeleteCanaries or StartAnalysis);

        // Recorded: the next pass waits for a person without running the analysis again.
        var paused = With(Analysed(Run(AnalysisPhases.Successful)), decision.Status);
        var idle = Decide(paused);
        Assert.Equal(CanaryStepStates.StepPaused, idle.Status.CurrentStepState);
        Assert.DoesNotContain(idle.Actions, static a => a is StartAnalysis);

        var approved = Clone(decision.Status);
        approved.CanaryStatus!.CurrentStepState = CanaryStepStates.StepReady;
        var finalising = Decide(With(paused, approved));
        Assert.Equal(ConditionTypes.ReasonFinalising, Condition(finalising, ConditionTypes.Progressing)!.Reason);
        Assert.Contains(finalising.Actions, static a => a is ReleaseWorkload);
    }

    [Fact]
    public void Analysis_Failed_AbortsTheRelease_StableUntouched()
    {
        var decision = Decide(Analysed(Run(AnalysisPhases.Failed)));
        var progressing = Condition(decision, ConditionTypes.Progressing)!;
        Assert.Equal(("False", RolloutDecider.ReasonAborted), (progressing.Status, progressing.Reason));
        foreach (var text in new[] { decision.Status.Message!, progressing.Message!, Assert.Single(decision.Events, static e => e.Reason == "AnalysisFailed").Message })
        {
            Assert.Contains("error-share", text, StringComparison.Ordinal);
            Assert.Contains("0.2", text, StringComparison.Ordinal);
            Assert.Contains("result[0] < 0.05", text, StringComparison.Ordinal);
        }

        Assert.Equal(RolloutEvent.Warning, decision.Events.Single(static e => e.Reason == "AnalysisFailed").Type);
        Assert.Equal("False", Condition(decision, RolloutDecider.ConditionAnalysis)!.Status);
        // Traffic back to stable and the canary removed; the stable Deployment is neither resumed nor scaled.
        Assert.Contains(decision.Actions, static a => a is DetachTrafficRouting);
        Assert.Contains(decision.Actions, static a => a is DeleteCanaries);
        Assert.DoesNotContain(decision.Actions, static a => a is ReleaseWorkload or CreateCanary or StartAnalysis);

        // Once the canary is gone the release stays aborted and the workload stays held.
        var cleaned = With(Analysed(Run(AnalysisPhases.Failed)) with { Canaries = [], TrafficRouting = Tr(attached: false) }, decision.Status);
        var after = Decide(cleaned);
        Assert.Equal(RolloutDecider.ReasonAborted, Condition(after, ConditionTypes.Progressing)!.Reason);
        Assert.DoesNotContain(after.Actions, static a => a is ReleaseWorkload or CreateCanary or StartAnalysis or DeleteCanaries);
        var again = Decide(With(cleaned, after.Status));
        Assert.Empty(again.Actions);
        Assert.Equal(RolloutDecider.ReasonAborted, Condition(again, ConditionTypes.Progressing)!.Reason);

        // Someone then rolls the Deployment back: the release ends as cancelled, as without analysis.
        var undone = With(cleaned with { Workload = cleaned.Workload! with { TemplateRevision = "rev-v1", IsTemplateStable = true } }, again.Status);
        var cancelled = Decide(undone);
        Assert.NotEqual(RolloutDecider.ReasonAborted, Condition(cancelled, ConditionTypes.Progressing)!.Reason);
        Assert.Contains(cancelled.Actions, static a => a is ReleaseWorkload);
    }

    [Fact]
    public void Analysis_Inconclusive_PausesForAPersonSayingWhy()
    {
        var decision = Decide(Analysed(Run(AnalysisPhases.Inconclusive), timedPause: true));
        Assert.Equal(CanaryStepStates.StepPaused, decision.Status.CurrentStepState);
        Assert.Contains("inconclusive", decision.Status.Message, StringComparison.Ordinal);
        Assert.Contains("unreachable", decision.Status.Message, StringComparison.Ordinal);
        Assert.Contains("manually confirm", decision.Status.Message, StringComparison.Ordinal);
        Assert.Contains(decision.Events, static e => e.Reason == "AnalysisInconclusive" && e.Type == RolloutEvent.Warning);
        Assert.DoesNotContain(decision.Actions, static a => a is ReleaseWorkload or DeleteCanaries or DetachTrafficRouting);

        // The step's own pause duration does not move an inconclusive step on.
        var later = RolloutDecider.Decide(With(Analysed(Run(AnalysisPhases.Inconclusive), timedPause: true), decision.Status), T0.AddHours(1), Settings);
        Assert.Equal(CanaryStepStates.StepPaused, later.Status.CurrentStepState);
        Assert.Equal(1, later.Status.CurrentStepIndex);
    }

    [Theory]
    [InlineData("AnalysisTemplate lane-vs-base not found in namespace default")]
    [InlineData("AnalysisTemplate lane-vs-base is invalid: spec.metrics: at least one metric is required")]
    public void Analysis_TemplateNotUsable_IsNamedAndNeverPasses(string problem)
    {
        var observation = Analysed(run: null) with { Analysis = new AnalysisObservation(Template, null, problem, null) };
        var decision = Decide(observation);
        var condition = Condition(decision, RolloutDecider.ConditionAnalysis)!;
        Assert.Equal(("False", "TemplateNotUsable", problem), (condition.Status, condition.Reason, condition.Message));
        Assert.Contains(problem, decision.Status.Message, StringComparison.Ordinal);
        Assert.Equal(CanaryStepStates.StepMetricsAnalysis, decision.Status.CurrentStepState);
        Assert.DoesNotContain(decision.Actions, static a => a is StartAnalysis or ReleaseWorkload);

        // Not even an hour later.
        var later = RolloutDecider.Decide(With(observation, decision.Status), T0.AddHours(1), Settings);
        Assert.Equal(CanaryStepStates.StepMetricsAnalysis, later.Status.CurrentStepState);
    }

    [Fact]
    public void Analysis_RunOfAnotherRevision_IsNotTaken()
    {
        var stale = Run(AnalysisPhases.Successful);
        stale.CanaryRevision = "rev-old";
        var decision = Decide(Analysed(stale));
        Assert.Equal(CanaryStepStates.StepMetricsAnalysis, decision.Status.CurrentStepState);
        Assert.Single(decision.Actions.OfType<StartAnalysis>());
    }

    private static RolloutDecision Decide(RolloutObservation observation) => RolloutDecider.Decide(observation, T0.AddMinutes(1), Settings);

    private static RolloutCondition? Condition(RolloutDecision decision, string type) => decision.Status.Conditions?.Find(c => c.Type == type);

    /// <summary>The "canaryReady" situation of a Rollout asking for <see cref="Template"/>, with the runner's run as given.</summary>
    private static RolloutObservation Analysed(AnalysisRunStatus? run, bool timedPause = false)
    {
        var ready = Situation("canaryReady");
        var rollout = SeedRollout(r =>
        {
            r.Spec = ready.Rollout.Spec;
            if (timedPause)
            {
                r.Spec.Strategy.Canary!.Steps[0].Pause = new RolloutPause { Duration = 30 };
            }

            r.Metadata.Annotations![AnalysisNames.AnalysisAnnotation] = Template;
        }, ready.Rollout.Status, finalizer: true);
        Assert.True(AnalysisCondition.TryParse("result[0] < 0.05", out var condition, out _));
        var metric = new AnalysisMetric("error-share", TimeSpan.FromSeconds(1), 1, 0, 0, 4, "result[0] < 0.05", null, new PrometheusQuery("http://127.0.0.1:9090", "q", TimeSpan.FromSeconds(5)));
        BoundMetric[] metrics = [new BoundMetric(Template, metric, new Uri("http://127.0.0.1:9090"), "q", condition, null)];
        return ready with { Rollout = rollout, Analysis = new AnalysisObservation(Template, metrics, null, run) };
    }

    private static AnalysisRunStatus Run(string phase)
    {
        var (value, message) = phase switch
        {
            AnalysisPhases.Failed => ("0.2", "metric error-share of AnalysisTemplate lane-vs-base is Failed: 1 of 1 measurements failed (failureLimit 0): 0.2 did not meet successCondition 'result[0] < 0.05' (values 0.2)"),
            AnalysisPhases.Inconclusive => ("error", "metric error-share of AnalysisTemplate lane-vs-base is Inconclusive: 5 measurements in a row could not be taken (consecutiveErrorLimit 4): Prometheus at http://127.0.0.1:9090/ is unreachable"),
            _ => ("0.01", phase == AnalysisPhases.Running ? null : "all metrics passed"),
        };
        return new AnalysisRunStatus
        {
            Step = 1,
            CanaryRevision = "rev-v2",
            Templates = Template,
            Phase = phase,
            Message = message,
            StartedAt = T0,
            FinishedAt = phase == AnalysisPhases.Running ? null : T0.AddSeconds(1),
            Metrics = [new AnalysisMetricStatus { Template = Template, Name = "error-share", SuccessCondition = "result[0] < 0.05", Phase = phase, Values = [value] }],
        };
    }
}
