using Lanes.RolloutController.Api;
using Lanes.RolloutController.Decisions.Actions;

namespace Lanes.RolloutController.Decisions;

/// <summary>Working state of one decision: a private copy of the status plus the actions gathered so far.</summary>
internal sealed class DecisionContext
{
    private readonly List<RolloutAction> _actions = [];
    private readonly List<RolloutEvent> _events = [];
    private string? _rolloutHash;

    public DecisionContext(RolloutObservation observed, DateTimeOffset now, RolloutDecisionSettings settings)
    {
        Observed = observed;
        Now = now;
        Settings = settings;
        Original = observed.Rollout.Status ?? new RolloutStatus();
        Status = ApiJson.Read<RolloutStatus>(ApiJson.Write(Original)) ?? new RolloutStatus();
    }

    public RolloutObservation Observed { get; }

    public Rollout Rollout => Observed.Rollout;

    public WorkloadObservation? Workload => Observed.Workload;

    public DateTimeOffset Now { get; }

    public RolloutDecisionSettings Settings { get; }

    public RolloutStatus Original { get; }

    public RolloutStatus Status { get; }

    public TimeSpan? RequeueAfter { get; private set; }

    /// <summary>Kruise's plan hash of the Rollout as it is now (what its <c>rollouts.kruise.io/hash</c> should say).</summary>
    public string RolloutHash => _rolloutHash ??= RolloutPlanHash.Compute(Rollout.Spec.Strategy.Canary);

    public void Add(RolloutAction action) => _actions.Add(action);

    /// <summary>Adds an action that may not be done at once; until it is, <paramref name="checkpoint"/> is written.</summary>
    public void Add(RolloutAction action, RolloutStatus checkpoint) => _actions.Add(action with { Checkpoint = checkpoint });

    public bool Has<TAction>()
        where TAction : RolloutAction => _actions.OfType<TAction>().Any();

    public void Record(string reason, string message, string type = RolloutEvent.Normal) => _events.Add(new RolloutEvent(type, reason, message));

    public void Requeue(TimeSpan after)
    {
        if (after < TimeSpan.Zero)
        {
            after = TimeSpan.Zero;
        }

        RequeueAfter = RequeueAfter is { } current && current < after ? current : after;
    }

    public RolloutCondition? GetCondition(string type) => RolloutConditions.Find(Status.Conditions, type);

    public void SetCondition(string type, string status, string reason, string message) =>
        Status.Conditions = RolloutConditions.Set(Status.Conditions, type, status, reason, message, Now);

    /// <summary>A copy of the status as it is now: what to write if an action taken from here is not done.</summary>
    public RolloutStatus Snapshot() => ApiJson.Read<RolloutStatus>(ApiJson.Write(Status)) ?? new RolloutStatus();

    public void RemoveCondition(string type) => Status.Conditions?.RemoveAll(c => c.Type == type);

    public RolloutDecision ToDecision()
    {
        if (Status.Conditions is { Count: 0 } && Original.Conditions is null)
        {
            Status.Conditions = null;
        }

        var changed = !System.Text.Json.Nodes.JsonNode.DeepEquals(ApiJson.Write(Original), ApiJson.Write(Status));
        return new RolloutDecision(_actions, Status, changed, RequeueAfter) { Events = _events };
    }
}
