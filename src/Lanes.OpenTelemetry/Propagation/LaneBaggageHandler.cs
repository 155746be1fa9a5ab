using Lanes.Extensibility;
using Lanes.Propagation;
using OtelBaggage = global::OpenTelemetry.Baggage;

namespace Lanes.OpenTelemetry.Propagation;

/// <summary>
/// Outermost handler of lane-aware clients; keeps Lanes and OpenTelemetry baggage in agreement for one call.
/// When the request carries no lane header and no lane is ambient, it takes the lane from OpenTelemetry's
/// <c>Baggage.Current</c> and makes it ambient for the call, so propagation and routing further in use it
/// (a malformed member is ignored and counted). When a lane is ambient and <c>Baggage.Current</c> holds other
/// members but not this lane, it adds the lane to the call's copy of the baggage: OpenTelemetry's HttpClient
/// instrumentation writes <c>Baggage.Current</c> over the <c>baggage</c> header, which would drop the lane
/// member Lanes wrote. When base was entered on purpose, a lane in the baggage is neither honoured nor sent on.
/// </summary>
internal sealed class LaneBaggageHandler(string headerName, string baggageKey, bool readFromBaggage, LanesMetrics metrics) : DelegatingHandler
{
    private const string Carrier = "otel-baggage";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var plan = Plan(request, out var lane);
        return plan == Action.None ? base.SendAsync(request, cancellationToken) : SendInLaneAsync(request, lane, plan, cancellationToken);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var plan = Plan(request, out var lane);
        if (plan == Action.None)
        {
            return base.Send(request, cancellationToken);
        }

        // A synchronous method does not undo context changes on return: put the baggage holder back by hand.
        var holder = plan == Action.EnterLane ? null : BaggageFork.Holder;
        using var scope = plan == Action.EnterLane ? LaneContext.Enter(lane) : default;
        try
        {
            Apply(plan, lane);
            return base.Send(request, cancellationToken);
        }
        finally
        {
            if (plan != Action.EnterLane)
            {
                BaggageFork.Restore(holder);
            }
        }
    }

    private async Task<HttpResponseMessage> SendInLaneAsync(HttpRequestMessage request, Lane lane, Action plan, CancellationToken cancellationToken)
    {
        // Changed inside this async method: the lane and the baggage copy flow inward and end with the call.
        using var scope = plan == Action.EnterLane ? LaneContext.Enter(lane) : default;
        Apply(plan, lane);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private void Apply(Action plan, Lane lane)
    {
        if (plan == Action.AddToBaggage)
        {
            BaggageFork.Set(baggageKey, lane.Name);
        }
        else if (plan == Action.RemoveFromBaggage)
        {
            BaggageFork.Set(baggageKey, null);
        }
    }

    private Action Plan(HttpRequestMessage request, out Lane lane)
    {
        lane = LaneContext.Current;
        if (!lane.IsBase)
        {
            var baggage = OtelBaggage.Current;
            return baggage.Count > 0 && !string.Equals(baggage.GetBaggage(baggageKey), lane.Name, StringComparison.Ordinal) && BaggageFork.IsSupported
                ? Action.AddToBaggage
                : Action.None;
        }

        var value = OtelBaggage.GetBaggage(baggageKey);
        if (LaneContext.IsExplicitBase)
        {
            // Base on purpose: the lane in the baggage is not this call's, and must not reach the next hop either.
            return !string.IsNullOrEmpty(value) && BaggageFork.IsSupported ? Action.RemoveFromBaggage : Action.None;
        }

        if (!readFromBaggage || string.IsNullOrEmpty(value) || request.Headers.NonValidated.Contains(headerName))
        {
            return Action.None;
        }

        if (!Lane.TryParse(value, out lane))
        {
            metrics.Rejected(Lane.Validate(value) == LaneError.TooLong ? LaneRejection.TooLong : LaneRejection.Invalid, Carrier);
            return Action.None;
        }

        return lane.IsBase ? Action.None : Action.EnterLane;
    }

    private enum Action
    {
        None,
        EnterLane,
        AddToBaggage,
        RemoveFromBaggage,
    }
}
