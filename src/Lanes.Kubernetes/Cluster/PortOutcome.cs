namespace Lanes.Kubernetes.Cluster;

/// <summary>How a slice answered the question "which port?".</summary>
internal enum PortOutcome
{
    /// <summary>The slice has the port asked for (or a single one when none was named).</summary>
    Found,

    /// <summary>The slice has no TCP port at all.</summary>
    NoPorts,

    /// <summary>No port has the name asked for.</summary>
    NoSuchPort,

    /// <summary>No name was asked for and there are several ports.</summary>
    Ambiguous,
}
