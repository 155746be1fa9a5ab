namespace Lanes.AspNetCore.Entry;

/// <summary>Marks the application as an entry (registered by <c>AddTrafficLanesEntry()</c> and lane-aware YARP gateways).</summary>
internal sealed class LaneEntry;
