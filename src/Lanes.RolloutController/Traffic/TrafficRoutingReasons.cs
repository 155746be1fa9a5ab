namespace Lanes.RolloutController.Traffic;

/// <summary>Reasons of the <c>TrafficReady</c> condition and of the Events the controller records about routes.</summary>
internal static class TrafficRoutingReasons
{
    /// <summary>The routes the step needs are in place.</summary>
    public const string RoutesReady = "RoutesReady";

    /// <summary>A change was made and the grace period runs, or the next change follows.</summary>
    public const string RoutesUpdating = "RoutesUpdating";

    /// <summary>A Rollout waits for its shared TrafficRouting to put the lane rule in place.</summary>
    public const string WaitingForTrafficRouting = "WaitingForTrafficRouting";

    /// <summary>No registered provider handles the entry object (for example an unknown ingress classType).</summary>
    public const string ProviderNotFound = "ProviderNotFound";

    /// <summary>The Service or entry object (Ingress, HTTPRoute, ConfigMap) does not exist.</summary>
    public const string EntryNotFound = "EntryNotFound";

    /// <summary>The entry object cannot be routed as it is (for example no rule for the stable Service).</summary>
    public const string InvalidEntry = "InvalidEntry";

    /// <summary>An object the release would create exists and belongs to someone else.</summary>
    public const string EntryConflict = "EntryConflict";

    /// <summary>The spec of the traffic routing is invalid.</summary>
    public const string InvalidTrafficRouting = "InvalidTrafficRouting";

    /// <summary>The API server refused a read or write (RBAC).</summary>
    public const string Forbidden = "Forbidden";

    /// <summary>The API server or the provider failed otherwise.</summary>
    public const string ProviderError = "ProviderError";

    /// <summary>Whether the reason only says work is under way (no Warning Event).</summary>
    public static bool IsProgress(string? reason) => reason is RoutesReady or RoutesUpdating or WaitingForTrafficRouting;
}
