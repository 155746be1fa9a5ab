namespace Lanes.Identity;

/// <summary>
/// The lane of this running instance (for example a canary pod's <c>gray</c>), and where it was found.
/// Used in output and logs and when registering the instance with a registry.
/// </summary>
public sealed class InstanceLane
{
    /// <summary>Creates the instance lane.</summary>
    /// <param name="lane">The lane.</param>
    /// <param name="source">Where the lane was found, for logs (for example <c>configuration Lanes:Lane</c>).</param>
    public InstanceLane(Lane lane, string source)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        Lane = lane;
        Source = source;
    }

    /// <summary>This instance's lane; <see cref="Lanes.Lane.Base"/> for a baseline instance.</summary>
    public Lane Lane { get; }

    /// <summary>Where the lane was found.</summary>
    public string Source { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Lane} (from {Source})";
}
