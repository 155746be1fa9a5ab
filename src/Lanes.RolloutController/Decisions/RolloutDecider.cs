using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Decisions.Actions;
using Lanes.RolloutController.Traffic;

namespace Lanes.RolloutController.Decisions;

/// <summary>
/// The whole canary lifecycle as a pure function of what was observed and the time: no I/O, no clock.
/// It moves the status as far as the observation allows and lists the idempotent actions still needed.
/// </summary>
internal static class RolloutDecider
{
    private const int MaxTransitions = 64;

    /// <summary>Progressing reason (Lanes): the step's analysis failed; traffic went back to stable, the canary was removed and the workload stays held.</summary>
    internal const string ReasonAborted = "Aborted";

    /// <summary>Warning Event reason: a template change reached the Deployment without the webhook holding it.</summary>
    internal const string ReasonNotIntercepted = "NotIntercepted";

    public static RolloutDecision Decide(RolloutObservation observed, DateTimeOffset now, RolloutDecisionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(observed);
        var c = new DecisionContext(observed, now, settings);
        var rollout = observed.Rollout;
        c.Status.ObservedGeneration = rollout.Metadata.Generation;

        if (rollout.Metadata.DeletionTimestamp is not null)
        {
            DecideDeletion(c);
            return c.ToDecision();
        }

        if (RolloutValidator.Validate(observed, settings.LaneHeader) is { } problem)
        {
            // Report and touch nothing; a release in progress stays held until the input is fixed.
            if (c.Status.Phase is null or RolloutPhases.Healthy)
            {
                c.Status.Phase = RolloutPhases.Initial;
            }

            c.Status.Message = problem.Message;
            c.SetCondition(ConditionTypes.Invalid, "True", problem.Reason, problem.Message);
            return c.ToDecision();
        }

        c.RemoveCondition(ConditionTypes.Invalid);
        if (!HasFinalizer(rollout))
        {
            c.Add(new AddRolloutFinalizer());
        }

        // Kruise keeps the hash of the release plan in an annotation; a release compares it to find plan changes.
        if (RolloutHashAnnotation(rollout) != c.RolloutHash)
        {
            c.Add(new SetRolloutHash(c.RolloutHash));
        }

        // Kruise: while the status describes the workload's current revision, it follows the workload's rollout id.
        if (c.Status.CanaryStatus is { } current && c.Workload is { } workload && current.CanaryRevision.Length > 0 && current.CanaryRevision == workload.TemplateRevision)
        {
            current.ObservedRolloutID = RolloutId(workload);
            current.ObservedWorkloadGeneration = workload.Generation;
        }

        if (rollout.Spec.Disabled)
        {
            DecideDisabled(c);
        }
        else if (c.Status.Phase is RolloutPhases.Progressing)
        {
            DecideProgressing(c);
        }
        else
        {
            DecideIdle(c);
        }

        return c.ToDecision();
    }

    private static void DecideIdle(DecisionContext c)
    {
        var s = c.Status;
        var w = c.Workload!;
        if (s.Phase is not RolloutPhases.Healthy || s.Message is null || s.Message.StartsWith(RolloutMessages.WorkloadNotFound, StringComparison.Ordinal) || s.Message == RolloutMessages.Disabled)
        {
            s.Phase = RolloutPhases.Healthy;
            s.Message = RolloutMessages.Healthy;
        }

        // The webhook held the Deployment for this Rollout; or, when it did not (unreachable, not installed), the
        // template changed under a Rollout that had seen another revision complete: the level-triggered fallback
        // holds it now. A Rollout that first sees a Deployment mid-rollout lets it finish, as Kruise does.
        var heldByWebhook = w.InProgressingRollout == c.Rollout.Metadata.Name;
        var missedByWebhook = w.InProgressingRollout is null && w.Replicas > 0 &&
            s.CanaryStatus is { CanaryRevision.Length: > 0 } seen && seen.CanaryRevision != w.TemplateRevision;
        var pendingTemplate = !w.IsTemplateStable && w.ReplicaSetCount > 0 && (heldByWebhook || missedByWebhook);
        if (pendingTemplate)
        {
            if (!heldByWebhook)
            {
                c.Record(ReasonNotIntercepted, RolloutMessages.NotIntercepted(w.Name), RolloutEvent.Warning);
            }

            s.Phase = RolloutPhases.Progressing;
            s.Message = RolloutMessages.InProgressing;
            s.CanaryStatus = null;
            c.SetCondition(ConditionTypes.Progressing, "True", ConditionTypes.ReasonInitializing, RolloutMessages.InProgressing);
            c.RemoveCondition(ConditionTypes.Succeeded);
            c.RemoveCondition(ConditionTypes.CanaryReady);
            c.RemoveCondition(ConditionTypes.TrafficReady);
            DecideProgressing(c);
            return;
        }

        if (w.IsRolledOut && w.IsTemplateStable)
        {
            if (s.CanaryStatus is { CanaryRevision.Length: > 0 } previous && previous.CanaryRevision != w.TemplateRevision && w.InProgressingRollout is null)
            {
                // The template changed and finished rolling out natively before any pass saw it: say so, and describe
                // the revision the Deployment runs now.
                c.Record(ReasonNotIntercepted, RolloutMessages.RolledOutNatively(w.Name), RolloutEvent.Warning);
                s.CanaryStatus = null;
            }

            if (s.CanaryStatus is null)
            {
                s.CanaryStatus = new CanaryStatus
                {
                    ObservedWorkloadGeneration = w.Generation,
                    ObservedRolloutID = RolloutId(w),
                    RolloutHash = c.RolloutHash,
                    StableRevision = w.StableRevision,
                    CanaryRevision = w.TemplateRevision,
                    PodTemplateHash = w.StableRevision ?? "",
                    CurrentStepIndex = Steps(c).Count,
                    NextStepIndex = -1,
                    CurrentStepState = CanaryStepStates.Completed,
                    Message = RolloutMessages.DeploymentCompleted,
                    LastUpdateTime = c.Now,
                };
                s.Message = RolloutMessages.DeploymentCompleted;
            }

            Mirror(s);
        }

        if (w.WorkloadTypeLabel != "deployment")
        {
            c.Add(new LabelWorkload(w.Name));
        }

        // Otherwise the Deployment is still rolling out natively (first deployment); its events bring us back.
    }

    private static void DecideProgressing(DecisionContext c)
    {
        var s = c.Status;
        var w = c.Workload!;
        var reason = c.GetCondition(ConditionTypes.Progressing)?.Reason;
        for (var guard = 0; guard < MaxTransitions; guard++)
        {
            switch (reason)
            {
                case ConditionTypes.ReasonInitializing:
                    if (!Initialize(c))
                    {
                        return;
                    }

                    c.SetCondition(ConditionTypes.Progressing, "True", ConditionTypes.ReasonInRolling, RolloutMessages.InProgressing);
                    reason = ConditionTypes.ReasonInRolling;
                    continue;

                case ConditionTypes.ReasonInRolling:
                case ConditionTypes.ReasonPaused:
                    if (ReleasedAfterLastStep(c))
                    {
                        // The pass that finished the last step released the workload, then lost its status write (a
                        // 409, a 500, a restart). The release is finishing, not being rolled back: the template that
                        // now runs as stable is the one released. Holding the workload again would stop its rollout.
                        c.SetCondition(ConditionTypes.Progressing, "True", ConditionTypes.ReasonFinalising, RolloutMessages.Finalising);
                        s.Message = RolloutMessages.Finalising;
                        reason = ConditionTypes.ReasonFinalising;
                        var last = s.CanaryStatus!;
                        if (last.CurrentStepState != CanaryStepStates.Completed)
                        {
                            last.CurrentStepState = CanaryStepStates.Completed;
                            last.LastUpdateTime = c.Now;
                        }

                        Mirror(s);
                        continue;
                    }

                    if (w.IsTemplateStable)
                    {
                        // The template went back to the stable revision: cancel, stable pods stay as they are. Unless
                        // the stable ReplicaSet is no longer the release's: the new template finished rolling out
                        // natively before the hold landed (the webhook missed it). Nothing was rolled back then; the
                        // release is cancelled all the same (its canary removed) and the warning says what happened.
                        var rolledOutNatively = s.CanaryStatus?.StableRevision is { Length: > 0 } releasedFrom &&
                            w.StableRevision is { Length: > 0 } runningNow && releasedFrom != runningNow;
                        if (s.CanaryStatus is { } rolledBack)
                        {
                            rolledBack.CanaryRevision = w.TemplateRevision;
                        }

                        if (rolledOutNatively)
                        {
                            c.Record(ReasonNotIntercepted, RolloutMessages.RolledOutNatively(w.Name), RolloutEvent.Warning);
                        }
                        else
                        {
                            c.Record(RolloutEvent.Progressing, RolloutMessages.EventRolledBack);
                        }

                        c.SetCondition(ConditionTypes.Progressing, "True", ConditionTypes.ReasonCancelling, RolloutMessages.Cancelling);
                        s.Message = RolloutMessages.Cancelling;
                        reason = ConditionTypes.ReasonCancelling;
                        continue;
                    }

                    if (s.CanaryStatus is null)
                    {
                        reason = ConditionTypes.ReasonInitializing;
                        continue;
                    }

                    if (!w.IsHeldBy(c.Rollout.Metadata.Name, s.CanaryStatus.StableRevision) && !c.Has<HoldWorkload>())
                    {
                        c.Add(new HoldWorkload(w.Name, c.Rollout.Metadata.Name, s.CanaryStatus.StableRevision ?? w.StableRevision ?? ""));
                    }

                    if (c.Rollout.Spec.Strategy.Paused)
                    {
                        c.SetCondition(ConditionTypes.Progressing, "True", ConditionTypes.ReasonPaused, RolloutMessages.Paused);
                        s.Message = RolloutMessages.Paused;
                        return;
                    }

                    if (reason == ConditionTypes.ReasonPaused)
                    {
                        // Kruise resumes with the message it had; the step writes its own on the way.
                        c.SetCondition(ConditionTypes.Progressing, "True", ConditionTypes.ReasonInRolling, c.GetCondition(ConditionTypes.Progressing)?.Message ?? RolloutMessages.InProgressing);
                        reason = ConditionTypes.ReasonInRolling;
                    }

                    if (s.CanaryStatus.CanaryRevision != w.TemplateRevision)
                    {
                        // Continuous release: a newer template arrived mid-release; restart from step 1 for it,
                        // once the routes no longer send traffic to the canary that is about to go.
                        if (HasOwnRoutes(c))
                        {
                            c.Add(new RestoreTraffic(RoutesOnly: false), c.Snapshot());
                        }

                        c.Record(RolloutEvent.Progressing, RolloutMessages.EventContinuousRelease);
                        c.SetCondition(ConditionTypes.Progressing, "True", ConditionTypes.ReasonInitializing, RolloutMessages.ContinuousRelease);
                        s.Message = RolloutMessages.ContinuousRelease;
                        c.RemoveCondition(ConditionTypes.CanaryReady);
                        reason = ConditionTypes.ReasonInitializing;
                        continue;
                    }

                    if (!string.IsNullOrEmpty(s.CanaryStatus.RolloutHash) && s.CanaryStatus.RolloutHash != c.RolloutHash)
                    {
                        RecalculateStep(c);
                    }

                    if (!RunCanary(c))
                    {
                        if (c.GetCondition(ConditionTypes.Progressing)?.Reason == ReasonAborted)
                        {
                            reason = ReasonAborted;
                            continue;
                        }

                        return;
                    }

                    c.SetCondition(ConditionTypes.Progressing, "True", ConditionTypes.ReasonFinalising, RolloutMessages.Finalising);
                    s.Message = RolloutMessages.Finalising;
                    reason = ConditionTypes.ReasonFinalising;
                    continue;

                case ReasonAborted:
                    if (w.IsTemplateStable || s.CanaryStatus is null || s.CanaryStatus.CanaryRevision != w.TemplateRevision)
                    {
                        // The template was rolled back (cancel as usual) or a new one pushed (a new release).
                        reason = ConditionTypes.ReasonInRolling;
                        c.SetCondition(ConditionTypes.Progressing, "True", reason, RolloutMessages.InProgressing);
                        continue;
                    }

                    if (!w.IsHeldBy(c.Rollout.Metadata.Name, s.CanaryStatus.StableRevision) && !c.Has<HoldWorkload>())
                    {
                        c.Add(new HoldWorkload(w.Name, c.Rollout.Metadata.Name, s.CanaryStatus.StableRevision ?? w.StableRevision ?? ""));
                    }

                    if (Finalise(c, FinaliseReason.Aborted))
                    {
                        c.SetCondition(ConditionTypes.Succeeded, "False", "", "");
                        c.RemoveCondition(ConditionTypes.TrafficReady);
                        var done = s.CanaryStatus;
                        done.CanaryReplicas = 0;
                        done.CanaryReadyReplicas = 0;
                        done.FinalisingStep = "END";
                    }

                    return;

                case ConditionTypes.ReasonFinalising:
                    if (Finalise(c, FinaliseReason.Success))
                    {
                        CompleteRelease(c, succeeded: true);
                    }

                    return;

                case ConditionTypes.ReasonCancelling:
                    if (Finalise(c, FinaliseReason.Rollback))
                    {
                        CompleteRelease(c, succeeded: false);
                    }

                    return;

                case ConditionTypes.ReasonCompleted:
                    s.Phase = RolloutPhases.Healthy;
                    return;

                default:
                    reason = ConditionTypes.ReasonInitializing;
                    c.SetCondition(ConditionTypes.Progressing, "True", reason, RolloutMessages.InProgressing);
                    continue;
            }
        }
    }

    /// <summary>
    /// The stored status is at the last step, approved or done, for the template the workload runs, and the workload is
    /// no longer held: only finalising releases it, so that pass ran and its status write was lost.
    /// </summary>
    private static bool ReleasedAfterLastStep(DecisionContext c) =>
        c.Status.CanaryStatus is { } cs
        && c.Workload is { IsReleased: true } w
        && cs.CanaryRevision == w.TemplateRevision
        && cs.CurrentStepIndex >= Steps(c).Count
        && cs.CurrentStepState is CanaryStepStates.StepReady or CanaryStepStates.Completed;

    private static bool Initialize(DecisionContext c)
    {
        var s = c.Status;
        var w = c.Workload!;
        var rolloutName = c.Rollout.Metadata.Name;

        // Kruise's InitializeTrafficRouting: the Services and entry objects must exist before anything moves.
        if (HasOwnRoutes(c))
        {
            c.Add(new CheckTraffic(), c.Snapshot());
        }

        if (TrafficRoutingName(c.Rollout) is { } trafficRouting)
        {
            var tr = c.Observed.TrafficRouting;
            if (tr is not { Exists: true })
            {
                WaitForTrafficRouting(c, TrafficRoutingReasons.EntryNotFound, $"TrafficRouting {trafficRouting} not found; the release waits for it");
                return false;
            }

            if (tr.Phase is "Finalizing" or "Terminating")
            {
                WaitForTrafficRouting(c, TrafficRoutingReasons.WaitingForTrafficRouting, $"TrafficRouting {trafficRouting} is {tr.Phase}; the release waits for it");
                return false;
            }

            if (tr.IsUnusable)
            {
                // Its Service or entry object is missing or invalid: start nothing that could not get traffic.
                var (reason, message) = tr.Problem();
                WaitForTrafficRouting(c, reason, message + "; the release waits for it");
                return false;
            }

            if (!tr.IsAttached(rolloutName))
            {
                c.Add(new AttachTrafficRouting(trafficRouting));
            }
        }

        // A continuous release keeps the stable revision of the release it replaces.
        var stable = s.CanaryStatus?.StableRevision ?? w.StableRevision ?? "";
        var stale = c.Observed.Canaries.Where(x => x.Revision != w.TemplateRevision && !x.Deleting).Select(static x => x.Name).ToList();
        if (stale.Count > 0)
        {
            c.Add(new DeleteCanaries(stale));
        }

        if (!w.IsHeldBy(rolloutName, stable))
        {
            c.Add(new HoldWorkload(w.Name, rolloutName, stable));
        }

        var steps = Steps(c);
        s.CanaryStatus = new CanaryStatus
        {
            ObservedWorkloadGeneration = w.Generation,
            ObservedRolloutID = RolloutId(w),
            RolloutHash = c.RolloutHash,
            StableRevision = stable,
            CanaryRevision = w.TemplateRevision,
            CurrentStepIndex = 1,
            NextStepIndex = steps.Count > 1 ? 2 : -1,
            CurrentStepState = CanaryStepStates.BeforeStepUpgrade,
            LastUpdateTime = c.Now,
        };
        s.Message = c.GetCondition(ConditionTypes.Progressing)?.Message ?? RolloutMessages.InProgressing;
        c.RemoveCondition(ConditionTypes.TrafficReady);
        Mirror(s);
        return true;
    }

    /// <summary>Runs the step machine; true once every step is done.</summary>
    private static bool RunCanary(DecisionContext c)
    {
        var s = c.Status;
        var cs = s.CanaryStatus!;
        var w = c.Workload!;
        var steps = Steps(c);
        var count = steps.Count;
        var canary = c.Observed.Canaries.FirstOrDefault(x => x.Revision == cs.CanaryRevision && !x.Deleting);
        var stale = c.Observed.Canaries.Where(x => x.Revision != cs.CanaryRevision && !x.Deleting).Select(static x => x.Name).ToList();
        if (stale.Count > 0 && !c.Has<DeleteCanaries>())
        {
            c.Add(new DeleteCanaries(stale));
        }

        if (canary is not null)
        {
            cs.CanaryReplicas = canary.StatusReplicas;
            cs.CanaryReadyReplicas = canary.AvailableReplicas;
        }

        // Kruise: the canary's pod-template-hash selects the new pods even when a jump skips the upgrade.
        if (string.IsNullOrEmpty(cs.PodTemplateHash) && canary?.PodTemplateHash is { Length: > 0 } podTemplateHash)
        {
            cs.PodTemplateHash = podTemplateHash;
        }

        ApplyStepJump(cs, steps, w.Replicas, c.Now);
        for (var guard = 0; guard < MaxTransitions; guard++)
        {
            var index = Math.Clamp(cs.CurrentStepIndex ?? 1, 1, count);
            cs.CurrentStepIndex = index;
            var step = steps[index - 1];
            var desired = DesiredReplicas(step, w.Replicas);

            // Kruise: a step without traffic first takes away the routes of the step before.
            if (HasOwnRoutes(c) && !HasTraffic(step) && cs.CurrentStepState != CanaryStepStates.Completed && !c.Has<RestoreTraffic>())
            {
                c.Add(new RestoreTraffic(RoutesOnly: false), c.Snapshot());
            }

            switch (cs.CurrentStepState)
            {
                case CanaryStepStates.StepUpgrade:
                    SetMessage(c, RolloutMessages.StepUpgrade(index, count));
                    cs.Message = RolloutMessages.BatchState(canary is null || canary.Replicas < desired ? "Upgrading" : "Verifying", cs.ObservedRolloutID, index);
                    if (canary is null)
                    {
                        c.Add(new CreateCanary(w.Name, cs.CanaryRevision, desired, c.Rollout.Spec.Strategy.Canary!.PatchPodTemplateMetadata));
                        WatchReadiness(c, null, desired);
                        return false;
                    }

                    if (canary.Replicas < desired)
                    {
                        c.Add(new ScaleCanary(canary.Name, desired));
                        WatchReadiness(c, canary, desired);
                        return false;
                    }

                    if (!IsBatchReady(canary, desired, c.Rollout.Spec.Strategy.Canary!.FailureThreshold))
                    {
                        WatchReadiness(c, canary, desired);
                        return false;
                    }

                    cs.PodTemplateHash = canary.PodTemplateHash ?? "";
                    c.RemoveCondition(ConditionTypes.CanaryReady);
                    if (!string.IsNullOrEmpty(cs.ObservedRolloutID) && !string.IsNullOrEmpty(canary.PodTemplateHash))
                    {
                        c.Add(new LabelCanaryPods(canary.PodTemplateHash, cs.ObservedRolloutID, PlannedIncrements(steps, index, w.Replicas)));
                    }

                    cs.Message = RolloutMessages.BatchState("Ready", cs.ObservedRolloutID, index);
                    c.Record(RolloutEvent.Progressing, RolloutMessages.EventStepUpgraded(index));
                    Transition(c, CanaryStepStates.StepTrafficRouting);
                    continue;

                case CanaryStepStates.StepTrafficRouting:
                    if (!TrafficInPlace(c, index, count, step))
                    {
                        return false;
                    }

                    Transition(c, CanaryStepStates.StepMetricsAnalysis);
                    continue;

                case CanaryStepStates.StepMetricsAnalysis:
                    switch (Analyse(c, index, count))
                    {
                        case AnalysisPhases.Successful:
                        case AnalysisPhases.Inconclusive:
                            // Inconclusive: the pause below waits for a person, whatever its duration.
                            Transition(c, CanaryStepStates.StepPaused);
                            continue;
                        case AnalysisPhases.Failed:
                            c.SetCondition(ConditionTypes.Progressing, "False", ReasonAborted, c.Status.Message ?? "");
                            return false;
                        default:
                            return false;
                    }

                case CanaryStepStates.StepPaused:
                    if (index == count && step.Replicas is { IsValid: true, IsPercent: true, Value: 100 })
                    {
                        // Kruise: only a last step of replicas "100%" needs no confirmation; a count never skips it.
                        Transition(c, CanaryStepStates.StepReady);
                        continue;
                    }

                    // A pause stands only while its traffic does: routes that broke send the step back.
                    if (!TrafficInPlace(c, index, count, step))
                    {
                        return false;
                    }

                    if (InconclusiveAnalysis(c, index) is { } inconclusive)
                    {
                        SetMessage(c, string.Create(CultureInfo.InvariantCulture,
                            $"Rollout is in step({index}/{count}), and its analysis was inconclusive: {inconclusive.Message}; you need manually confirm to enter the next step"));
                        return false;
                    }

                    if (step.Pause?.Duration is { } seconds)
                    {
                        SetMessage(c, RolloutMessages.StepPausedTimed(index, count, seconds));
                        var due = (cs.LastUpdateTime ?? c.Now) + TimeSpan.FromSeconds(seconds);
                        if (c.Now >= due)
                        {
                            Transition(c, CanaryStepStates.StepReady);
                            continue;
                        }

                        c.Requeue(due - c.Now);
                        return false;
                    }

                    SetMessage(c, RolloutMessages.StepPausedManual(index, count));
                    return false;

                case CanaryStepStates.StepReady:
                    if (index < count)
                    {
                        cs.CurrentStepIndex = index + 1;
                        cs.NextStepIndex = index + 2 <= count ? index + 2 : -1;
                        Transition(c, CanaryStepStates.BeforeStepUpgrade);
                        continue;
                    }

                    Transition(c, CanaryStepStates.Completed);
                    return true;

                case CanaryStepStates.Completed:
                    return true;

                default:
                    // Kruise: before the first canary pod, the stable Service is narrowed to the stable pods.
                    if (index == 1 && HasOwnRoutes(c) && HasTraffic(step))
                    {
                        c.Add(new PrepareTraffic(cs.StableRevision), c.Snapshot());
                    }

                    Transition(c, CanaryStepStates.StepUpgrade);
                    continue;
            }
        }

        return false;
    }

    /// <summary>
    /// Kruise's StepMetricsAnalysis point, which Kruise leaves empty: the canary is ready and its traffic routed. Runs the
    /// templates of <c>lanes.dev/analysis</c>, records the finished run in <c>status.lanes.analysis</c> and returns its
    /// phase (<see cref="AnalysisPhases.Successful"/> without analysis), or <see cref="AnalysisPhases.Running"/> while
    /// it must wait. An unknown or unusable template never passes: the step waits, and the status names it.
    /// </summary>
    private static string Analyse(DecisionContext c, int index, int count)
    {
        var cs = c.Status.CanaryStatus!;
        if (Analysis.AnalysisAnnotations.Templates(c.Rollout) is not { Count: > 0 } names)
        {
            return AnalysisPhases.Successful;
        }

        var templates = string.Join(",", names);
        if (LastRun(c, index) is { } recorded && recorded.Templates == templates)
        {
            return recorded.Phase;
        }

        var observed = c.Observed.Analysis;
        if (observed?.Run is { } run && run.Step == index && run.CanaryRevision == cs.CanaryRevision && run.Templates == templates)
        {
            if (run.Phase != AnalysisPhases.Running)
            {
                RecordRun(c, run, index, count);
                return run.Phase;
            }

            SetMessage(c, string.Create(CultureInfo.InvariantCulture, $"Rollout is in step({index}/{count}), and analysis {templates} is running: {Progress(run)}"));
            c.SetCondition(ConditionAnalysis, "Unknown", AnalysisPhases.Running, $"Analysis {templates} of step {index} is running");
            c.Requeue(PollPeriod(observed.Metrics));
            return AnalysisPhases.Running;
        }

        if (observed is null || observed.Problem is not null || observed.Metrics is null)
        {
            var problem = observed?.Problem ?? $"analysis {templates} could not be read";
            SetMessage(c, string.Create(CultureInfo.InvariantCulture, $"Rollout is in step({index}/{count}), and its analysis cannot run: {problem}"));
            c.SetCondition(ConditionAnalysis, "False", "TemplateNotUsable", problem);
            c.Requeue(c.Settings.TrafficRoutingRetry);
            return AnalysisPhases.Running;
        }

        c.Add(new StartAnalysis(index, cs.CanaryRevision, templates, observed.Metrics));
        SetMessage(c, string.Create(CultureInfo.InvariantCulture, $"Rollout is in step({index}/{count}), and analysis {templates} is running"));
        c.SetCondition(ConditionAnalysis, "Unknown", AnalysisPhases.Running, $"Analysis {templates} of step {index} is running");
        c.Requeue(PollPeriod(observed.Metrics));
        return AnalysisPhases.Running;
    }

    /// <summary>Condition type (Lanes) on a Rollout with analysis: the last step's verdict.</summary>
    internal const string ConditionAnalysis = "AnalysisSucceeded";

    private static void RecordRun(DecisionContext c, AnalysisRunStatus run, int index, int count)
    {
        var lanes = c.Status.Lanes ??= new LanesRolloutStatus();
        var runs = lanes.Analysis ??= [];
        runs.Add(run);
        if (runs.Count > LanesRolloutStatus.MaxRuns)
        {
            runs.RemoveRange(0, runs.Count - LanesRolloutStatus.MaxRuns);
        }

        var message = string.Create(CultureInfo.InvariantCulture, $"analysis of step {index}/{count} {run.Phase}: {run.Message}");
        switch (run.Phase)
        {
            case AnalysisPhases.Successful:
                c.SetCondition(ConditionAnalysis, "True", AnalysisPhases.Successful, message);
                c.Record("AnalysisSucceeded", message);
                break;
            case AnalysisPhases.Failed:
                c.SetCondition(ConditionAnalysis, "False", AnalysisPhases.Failed, message);
                c.Record("AnalysisFailed", message + "; the canary is rolled back (traffic to stable, canary removed, stable untouched)", RolloutEvent.Warning);
                SetMessage(c, "Rollout is aborted: " + message);
                c.Status.CanaryStatus!.Message = "Rollout is aborted: " + message;
                break;
            default:
                c.SetCondition(ConditionAnalysis, "False", AnalysisPhases.Inconclusive, message);
                c.Record("AnalysisInconclusive", message + "; the release waits for a person", RolloutEvent.Warning);
                break;
        }
    }

    private static AnalysisRunStatus? LastRun(DecisionContext c, int index)
    {
        var runs = c.Status.Lanes?.Analysis;
        var revision = c.Status.CanaryStatus!.CanaryRevision;
        for (var i = (runs?.Count ?? 0) - 1; i >= 0; i--)
        {
            if (runs![i].Step == index && runs[i].CanaryRevision == revision)
            {
                return runs[i];
            }
        }

        return null;
    }

    private static AnalysisRunStatus? InconclusiveAnalysis(DecisionContext c, int index) =>
        Analysis.AnalysisAnnotations.Templates(c.Rollout) is { Count: > 0 } && LastRun(c, index) is { Phase: AnalysisPhases.Inconclusive } run ? run : null;

    private static string Progress(AnalysisRunStatus run)
    {
        var parts = new List<string>(run.Metrics.Count);
        foreach (var m in run.Metrics)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{m.Name} [{string.Join(", ", m.Values)}]"));
        }

        return string.Join("; ", parts);
    }

    // Look again about as often as a measurement is taken, within 1 s to 30 s.
    private static TimeSpan PollPeriod(IReadOnlyList<Analysis.BoundMetric>? metrics)
    {
        var period = TimeSpan.FromSeconds(30);
        foreach (var m in metrics ?? [])
        {
            if (m.Metric.Interval < period)
            {
                period = m.Metric.Interval;
            }
        }

        return period < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : period;
    }

    /// <summary>
    /// Whether the step's traffic is in place: the Rollout's own routes (asked of the providers, with the status to
    /// fall back to if they are not) and the shared TrafficRouting's lane rule (from its status). When not, the step
    /// stays in (or returns to) StepTrafficRouting and the status says why.
    /// </summary>
    private static bool TrafficInPlace(DecisionContext c, int index, int count, CanaryStep step)
    {
        var cs = c.Status.CanaryStatus!;
        var own = HasOwnRoutes(c) && HasTraffic(step);
        var trafficRouting = TrafficRoutingName(c.Rollout);
        if (!own && trafficRouting is null)
        {
            return true;
        }

        if (own && !c.Has<RouteTraffic>())
        {
            var checkpoint = c.Snapshot();
            if (checkpoint.CanaryStatus!.CurrentStepState != CanaryStepStates.StepTrafficRouting)
            {
                checkpoint.CanaryStatus.CurrentStepState = CanaryStepStates.StepTrafficRouting;
                checkpoint.CanaryStatus.LastUpdateTime = c.Now;
                Mirror(checkpoint);
            }

            c.Add(new RouteTraffic(index, TrafficStrategy.From(step), cs.StableRevision, cs.PodTemplateHash), checkpoint);
            c.Requeue(c.Settings.RouteCheckPeriod);
        }

        if (trafficRouting is not null && c.Observed.TrafficRouting is var tr && tr?.RoutesInPlace != true)
        {
            if (cs.CurrentStepState != CanaryStepStates.StepTrafficRouting)
            {
                Transition(c, CanaryStepStates.StepTrafficRouting);
            }

            var (reason, message) = tr?.Problem() ?? (TrafficRoutingReasons.EntryNotFound, $"TrafficRouting {trafficRouting} not found");
            if (tr is { Exists: true } && !tr.IsAttached(c.Rollout.Metadata.Name) && !c.Has<AttachTrafficRouting>())
            {
                c.Add(new AttachTrafficRouting(trafficRouting));
            }

            SetMessage(c, string.Create(CultureInfo.InvariantCulture, $"Rollout is in step({index}/{count}), and waits for its traffic: {message}"));
            c.SetCondition(ConditionTypes.TrafficReady, "False", reason, message);
            c.Requeue(c.Settings.TrafficRoutingRetry);
            return false;
        }

        var through = trafficRouting is null ? "" : $" through TrafficRouting {trafficRouting}";
        c.SetCondition(ConditionTypes.TrafficReady, "True", TrafficRoutingReasons.RoutesReady,
            string.Create(CultureInfo.InvariantCulture, $"Traffic of step {index}/{count} is in place{through}"));
        return true;
    }

    private static void WaitForTrafficRouting(DecisionContext c, string reason, string message)
    {
        c.Status.Message = message;
        c.SetCondition(ConditionTypes.TrafficReady, "False", reason, message);
        c.Requeue(c.Settings.TrafficRoutingRetry);
    }

    // A client may patch nextStepIndex to jump to (or re-run) a step, as kubectl-kruise does.
    private static void ApplyStepJump(CanaryStatus cs, List<CanaryStep> steps, int workloadReplicas, DateTimeOffset now)
    {
        var count = steps.Count;
        var current = cs.CurrentStepIndex ?? 1;
        var expected = current + 1 <= count ? current + 1 : -1;
        if (cs.NextStepIndex == expected || cs.CurrentStepState == CanaryStepStates.Completed)
        {
            return;
        }

        if (cs.NextStepIndex >= 1 && cs.NextStepIndex <= count)
        {
            // Kruise: a step whose replicas are already there goes straight to its traffic.
            var next = cs.NextStepIndex;
            cs.CurrentStepIndex = next;
            cs.NextStepIndex = next + 1 <= count ? next + 1 : -1;
            cs.CurrentStepState = DesiredReplicas(steps[next - 1], workloadReplicas) == cs.CanaryReplicas ? CanaryStepStates.StepTrafficRouting : CanaryStepStates.BeforeStepUpgrade;
            cs.LastUpdateTime = now;
        }
        else
        {
            cs.NextStepIndex = expected;
        }
    }

    private static void WatchReadiness(DecisionContext c, CanaryObservation? canary, int desired)
    {
        var cs = c.Status.CanaryStatus!;
        var timeout = ReadyTimeout(c);
        if (timeout <= TimeSpan.Zero)
        {
            return;
        }

        var elapsed = c.Now - (cs.LastUpdateTime ?? c.Now);
        if (elapsed >= timeout)
        {
            var message = RolloutMessages.CanaryNotReady(canary?.Name, canary?.AvailableReplicas ?? 0, desired, timeout);
            c.SetCondition(ConditionTypes.CanaryReady, "False", "ProgressDeadlineExceeded", message);
            SetMessage(c, message);
        }
        else
        {
            c.Requeue(timeout - elapsed);
        }
    }

    private static TimeSpan ReadyTimeout(DecisionContext c)
    {
        var annotations = c.Rollout.Metadata.Annotations;
        if (annotations is not null && annotations.TryGetValue(KruiseNames.ReadyTimeoutAnnotation, out var text) &&
            int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return c.Settings.CanaryReadyTimeout;
    }

    private static bool Finalise(DecisionContext c, FinaliseReason reason)
    {
        var s = c.Status;
        var w = c.Workload;
        var cs = s.CanaryStatus ??= new CanaryStatus();
        var done = true;
        if (c.Observed.TrafficRouting is { Exists: true } tr && tr.IsAttached(c.Rollout.Metadata.Name))
        {
            c.Add(new DetachTrafficRouting(tr.Name));
            cs.FinalisingStep = "FinalisingStepRouteTrafficToStable";
            done = false;
        }

        // Kruise's order: a rollback first takes traffic off the canary and only later widens the stable Service
        // again (once the canary pods are gone); the other reasons restore all routes before resuming the workload.
        var ownRoutes = HasOwnRoutes(c);
        if (ownRoutes)
        {
            var rollback = reason is FinaliseReason.Rollback or FinaliseReason.Aborted;
            cs.FinalisingStep = rollback ? "FinalisingStepRouteTrafficToStable" : "RestoreStableService";
            c.Add(new RestoreTraffic(RoutesOnly: rollback), c.Snapshot());
        }

        var canaries = c.Observed.Canaries.Where(static x => !x.Deleting).Select(static x => x.Name).ToList();
        if (reason == FinaliseReason.Aborted)
        {
            // An aborted release keeps the workload held: releasing it would roll the failed template out to stable.
        }
        else if (w is not null && (w.Paused || w.InProgressingRollout is not null))
        {
            c.Add(new ReleaseWorkload(w.Name));
            cs.FinalisingStep = "ResumeWorkload";
            done = false;
        }
        else if (w is not null && reason == FinaliseReason.Success && !w.IsRolledOut)
        {
            // Keep the canary serving until the stable Deployment runs the new version everywhere.
            cs.FinalisingStep = "ResumeWorkload";
            return false;
        }

        if (reason != FinaliseReason.Success || done)
        {
            if (canaries.Count > 0)
            {
                c.Add(new DeleteCanaries(canaries));
                cs.FinalisingStep = "ReleaseWorkloadControl";
                done = false;
            }
            else if (c.Observed.Canaries.Count > 0)
            {
                done = false;
            }
        }

        if (done && ownRoutes && reason is FinaliseReason.Rollback or FinaliseReason.Aborted)
        {
            cs.FinalisingStep = "RestoreStableService";
            c.Add(new RestoreTraffic(RoutesOnly: false), c.Snapshot());
        }

        return done;
    }

    private static void CompleteRelease(DecisionContext c, bool succeeded)
    {
        var s = c.Status;
        var cs = s.CanaryStatus!;
        cs.FinalisingStep = "END";
        if (cs.CurrentStepState != CanaryStepStates.Completed)
        {
            cs.CurrentStepState = CanaryStepStates.Completed;
            cs.LastUpdateTime = c.Now;
        }

        cs.CanaryReplicas = 0;
        cs.CanaryReadyReplicas = 0;
        var message = succeeded ? RolloutMessages.Completed : RolloutMessages.Canceled;
        if (succeeded)
        {
            cs.StableRevision = c.Workload?.StableRevision ?? cs.StableRevision;
        }

        c.SetCondition(ConditionTypes.Progressing, "False", ConditionTypes.ReasonCompleted, message);
        // Kruise writes Succeeded with an empty reason and message; the Progressing condition says which way it ended.
        c.SetCondition(ConditionTypes.Succeeded, succeeded ? "True" : "False", "", "");
        c.RemoveCondition(ConditionTypes.CanaryReady);
        c.RemoveCondition(ConditionTypes.TrafficReady);
        s.Phase = RolloutPhases.Healthy;
        s.Message = message;
        Mirror(s);
    }

    private static void DecideDeletion(DecisionContext c)
    {
        if (!HasFinalizer(c.Rollout))
        {
            return;
        }

        var s = c.Status;
        s.Phase = RolloutPhases.Terminating;
        s.Message = RolloutMessages.Terminating;
        c.SetCondition(ConditionTypes.Terminating, "True", ConditionTypes.ReasonInTerminating, RolloutMessages.Terminating);
        if (NeedsCleanUp(c) && !Finalise(c, FinaliseReason.Deleting))
        {
            return;
        }

        c.SetCondition(ConditionTypes.Terminating, "False", ConditionTypes.ReasonCompleted, RolloutMessages.Terminating);
        c.Add(new RemoveRolloutFinalizer());
    }

    private static void DecideDisabled(DecisionContext c)
    {
        var s = c.Status;
        if (s.Phase is RolloutPhases.Progressing or RolloutPhases.Disabling || NeedsCleanUp(c))
        {
            s.Phase = RolloutPhases.Disabling;
            s.Message = RolloutMessages.Disabling;
            if (!Finalise(c, FinaliseReason.Disabled))
            {
                return;
            }

            c.SetCondition(ConditionTypes.Progressing, "False", ConditionTypes.ReasonCompleted, RolloutMessages.Disabled);
        }

        s.Phase = RolloutPhases.Disabled;
        s.Message = RolloutMessages.Disabled;
    }

    private static bool NeedsCleanUp(DecisionContext c) =>
        c.Status.Phase is RolloutPhases.Progressing or RolloutPhases.Disabling ||
        c.Observed.Canaries.Count > 0 ||
        c.Observed.TrafficRouting is { Exists: true } tr && tr.IsAttached(c.Rollout.Metadata.Name) ||
        c.Workload?.InProgressingRollout == c.Rollout.Metadata.Name;

    internal static bool IsBatchReady(CanaryObservation canary, int desired, IntOrPercent? failureThreshold)
    {
        if (canary.ObservedGeneration < canary.Generation || canary.Replicas < desired)
        {
            return false;
        }

        var tolerated = failureThreshold is { IsValid: true } f ? Math.Min(f.Resolve(desired), desired) : 0;
        return canary.StatusReplicas >= desired &&
            canary.AvailableReplicas + tolerated >= desired &&
            (desired == 0 || canary.AvailableReplicas > 0);
    }

    internal static int DesiredReplicas(CanaryStep step, int workloadReplicas)
    {
        if (workloadReplicas <= 0 || step.Replicas is not { IsValid: true } replicas)
        {
            return 0;
        }

        return Math.Clamp(replicas.Resolve(workloadReplicas), 1, workloadReplicas);
    }

    internal static string? TrafficRoutingName(Rollout rollout)
    {
        var annotations = rollout.Metadata.Annotations;
        if (annotations is not null && annotations.TryGetValue(KruiseNames.TrafficRoutingAnnotation, out var name) && !string.IsNullOrEmpty(name))
        {
            return name;
        }

        return string.IsNullOrEmpty(rollout.Spec.Strategy.Canary?.TrafficRoutingRef) ? null : rollout.Spec.Strategy.Canary.TrafficRoutingRef;
    }

    internal static string? RolloutHashAnnotation(Rollout rollout) =>
        rollout.Metadata.Annotations is { } annotations && annotations.TryGetValue(KruiseNames.RolloutHashAnnotation, out var hash) ? hash : null;

    /// <summary>Kruise's <c>getRolloutID</c>: the workload's rollout-id label, else its revision, <c>rollback-</c> prefixed in a rollback.</summary>
    internal static string RolloutId(WorkloadObservation workload) =>
        workload.RolloutId is { Length: > 0 } id ? id : workload.IsInRollback ? "rollback-" + workload.TemplateRevision : workload.TemplateRevision;

    /// <summary>
    /// Kruise's <c>handleRolloutPlanChanged</c>: the steps changed mid-release, so find the first step (the current one
    /// first) whose replicas cover the canary's, and either mark the current step ready or jump there.
    /// </summary>
    private static void RecalculateStep(DecisionContext c)
    {
        var cs = c.Status.CanaryStatus!;
        var steps = Steps(c);
        var replicas = c.Workload!.Replicas;
        var canary = c.Observed.Canaries.FirstOrDefault(x => x.Revision == cs.CanaryRevision && !x.Deleting);
        var target = 1;
        if (canary is not null && steps.Count > 0)
        {
            var current = (cs.CurrentStepIndex ?? 1) - 1;
            var order = new List<int>(steps.Count);
            if (current >= 0 && current < steps.Count)
            {
                order.Add(current);
            }

            for (var i = 0; i < steps.Count; i++)
            {
                if (i != current)
                {
                    order.Add(i);
                }
            }

            foreach (var i in order)
            {
                target = i + 1;
                if (canary.Replicas <= Scaled(steps[i].Replicas, replicas))
                {
                    break;
                }
            }
        }

        cs.LastUpdateTime = c.Now;
        cs.RolloutHash = c.RolloutHash;
        if (cs.NextStepIndex == target)
        {
            cs.CurrentStepState = CanaryStepStates.StepReady;
        }
        else
        {
            cs.NextStepIndex = target;
        }

        Mirror(c.Status);
    }

    // intstr.GetScaledValueFromIntOrPercent(..., roundUp: true), without Lanes' clamp.
    private static int Scaled(IntOrPercent? value, int total) => value is { IsValid: true } v ? v.Resolve(total) : 0;

    /// <summary>Kruise's <c>calculatePlannedStepIncrements</c>: how many canary pods each batch up to the current one adds.</summary>
    internal static int[] PlannedIncrements(List<CanaryStep> steps, int currentStep, int workloadReplicas)
    {
        var result = new int[steps.Count];
        var current = Math.Clamp(currentStep - 1, 0, steps.Count - 1);
        for (var i = 0; i <= current; i++)
        {
            result[i] = Math.Clamp(Scaled(steps[i].Replicas, workloadReplicas), 0, workloadReplicas);
        }

        for (var i = current; i > 0; i--)
        {
            result[i] -= result[i - 1];
        }

        return result;
    }

    private static List<CanaryStep> Steps(DecisionContext c) => c.Rollout.Spec.Strategy.Canary?.Steps ?? [];

    private static bool HasOwnRoutes(DecisionContext c) => c.Rollout.Spec.Strategy.Canary?.TrafficRoutings is { Count: > 0 };

    internal static bool HasTraffic(CanaryStep step) => step.Traffic is not null || step.Matches is { Count: > 0 };

    private static bool HasFinalizer(Rollout rollout) => rollout.Metadata.Finalizers?.Contains(KruiseNames.RolloutFinalizer) == true;

    private static void Transition(DecisionContext c, string state)
    {
        var cs = c.Status.CanaryStatus!;
        cs.CurrentStepState = state;
        cs.LastUpdateTime = c.Now;
        Mirror(c.Status);
    }

    // Kruise: the step's message goes to the status and to the Progressing condition; canaryStatus.message
    // describes the batch instead.
    private static void SetMessage(DecisionContext c, string message)
    {
        var s = c.Status;
        s.Message = message;
        if (c.GetCondition(ConditionTypes.Progressing) is { Status: "True" } progressing && progressing.Message != message)
        {
            // In place, as Kruise does: the condition's times stay those of its last transition.
            progressing.Message = message;
        }

        Mirror(s);
    }

    private static void Mirror(RolloutStatus s)
    {
        s.CurrentStepIndex = s.CanaryStatus?.CurrentStepIndex;
        s.CurrentStepState = s.CanaryStatus?.CurrentStepState;
    }

    private enum FinaliseReason
    {
        Success,
        Rollback,
        Deleting,
        Disabled,
        Aborted,
    }
}
