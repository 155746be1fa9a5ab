namespace Lanes.OpenTelemetry;

/// <summary>What <c>AddTrafficLanesInstrumentation()</c> on the tracer provider does besides adding Lanes' activity source.</summary>
public sealed class LanesInstrumentationOptions
{
    /// <summary>
    /// Tags every span that starts while a lane is ambient with <c>lanes.lane</c>, so client spans of
    /// lane-aware calls and spans of work done inside a lane can be filtered by lane. Server spans are tagged
    /// by the inbound middleware whatever this says.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool TagSpansWithLane { get; set; } = true;

    /// <summary>
    /// Honours the lane member of OpenTelemetry's <c>Baggage.Current</c> on lane-aware clients when neither the
    /// request's lane header nor the ambient lane sets a lane: the call is propagated and routed in that lane.
    /// The member is the one named by <c>Lanes:Propagation:BaggageKey</c>.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool ReadLaneFromBaggage { get; set; } = true;

    /// <summary>
    /// Copies the ambient lane into OpenTelemetry's <c>Baggage.Current</c> when a span starts inside the lane,
    /// so OpenTelemetry's baggage propagator carries the lane through hops Lanes does not handle (an instrumented
    /// HttpClient without <c>AddTrafficLanes()</c>, a message producer that injects the current context).
    /// </summary>
    /// <remarks>
    /// Off by default: OpenTelemetry's baggage is a mutable holder shared by every flow that inherited it, and
    /// it crosses trust boundaries wherever the propagator runs. The copy happens when a recorded span starts,
    /// which is just before instrumentation injects its headers; a call without a recorded span is not mirrored.
    /// </remarks>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool MirrorLaneToBaggage { get; set; }
}
