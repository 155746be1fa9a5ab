namespace Lanes.Propagation;

/// <summary>
/// What an outbound request of one lane carries, built once per lane: the lane header's value (the lane's own name
/// string, so a later hop of the pipeline can recognise it without parsing) and the W3C baggage member.
/// </summary>
internal sealed class OutboundLane
{
    public OutboundLane(Lane lane, string baggageKey)
    {
        Lane = lane;
        HeaderValue = lane.Name!;

        // Lane names need no percent-encoding: every allowed character is a baggage octet.
        BaggageMember = baggageKey.Length == 0 ? string.Empty : string.Concat(baggageKey, "=", lane.Name);
    }

    public Lane Lane { get; }

    public string HeaderValue { get; }

    public string BaggageMember { get; }
}
