namespace Lanes.RolloutController.Api;

/// <summary>Reads and writes status conditions the Kubernetes way: the transition time moves only when the status does.</summary>
internal static class RolloutConditions
{
    /// <summary>The condition of that type, if any.</summary>
    public static RolloutCondition? Find(List<RolloutCondition>? conditions, string type) => conditions?.Find(c => c.Type == type);

    /// <summary>Sets a condition in place; returns the list (created when <paramref name="conditions"/> is null).</summary>
    public static List<RolloutCondition> Set(List<RolloutCondition>? conditions, string type, string status, string reason, string message, DateTimeOffset now)
    {
        conditions ??= [];
        var existing = Find(conditions, type);
        if (existing is null)
        {
            conditions.Add(new RolloutCondition
            {
                Type = type,
                Status = status,
                Reason = reason,
                Message = message,
                LastTransitionTime = now,
                LastUpdateTime = now,
            });
            return conditions;
        }

        if (existing.Status == status && existing.Reason == reason && existing.Message == message)
        {
            return conditions;
        }

        if (existing.Status != status)
        {
            existing.LastTransitionTime = now;
        }

        existing.Status = status;
        existing.Reason = reason;
        existing.Message = message;
        existing.LastUpdateTime = now;
        return conditions;
    }
}
