namespace Lanes.Yarp.Discovery;

/// <summary>The destination metadata Lanes writes on the destinations it resolves from discovery.</summary>
public static class LaneMetadata
{
    /// <summary>The instance's lane; absent on base instances.</summary>
    public const string Lane = "Lanes.Lane";

    /// <summary>The discovery service name the destination was resolved from.</summary>
    public const string Service = "Lanes.Service";
}
