namespace Lanes.Kubernetes.Watching;

/// <summary>How a list-and-watch of one resource is doing.</summary>
internal enum WatchHealth
{
    /// <summary>The first list has not answered yet.</summary>
    Starting,

    /// <summary>Listed, and the watch is open or being reopened after a normal close.</summary>
    Healthy,

    /// <summary>The API server could not be reached or failed; the last known objects stay.</summary>
    Unreachable,

    /// <summary>The API server refused (401 or 403): a missing RBAC permission.</summary>
    Forbidden,
}
