using Lanes.Diagnostics;
using Lanes.Propagation;
using OpenTelemetry.Context;
using OtelBaggage = global::OpenTelemetry.Baggage;

namespace Lanes.OpenTelemetry.Propagation;

/// <summary>
/// Outermost handler of lane-aware clients; keeps Lanes and OpenTelemetry baggage in agreement for one call.
/// When the request carries no lane header and no lane is ambient, it takes the lane from OpenTelemetry's
/// <c>Baggage.Current</c> and makes it ambient for the call, so propagation and routing further in use it
/// (a malformed member is ignored and counted). When a lane is ambient and <c>Baggage.Current</c> holds other
/// members but not this lane, it adds the lane to the call's copy of the baggage: OpenTelemetry's HttpClient
/// instrumentation writes <c>Baggage.Current</c> over the <c>baggage</c> header, which would drop the lane
/// member Lanes wrote.
/// </summary>
internal sealed class LaneBaggageHandler(string headerName, string baggageKey, bool readFromBaggage, LanesMetrics metrics) : DelegatingHandler
{
    private const string Carrier = "otel-baggage";

    // The runtime-context slot OpenTelemetry keeps Baggage.Current in (OpenTelemetry.Api, Baggage.cs).
    private const string BaggageSlot = "otel.baggage";

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
        var holder = plan == Action.AddToBaggage ? RuntimeContext.GetValue(BaggageSlot) : null;
        using var scope = plan == Action.EnterLane ? LaneContext.Enter(lane) : default;
        try
        {
            if (plan == Action.AddToBaggage)
            {
                ForkBaggageWith(lane);
            }

            return base.Send(request, cancellationToken);
        }
        finally
        {
            if (plan == Action.AddToBaggage)
            {
                RuntimeContext.SetValue(BaggageSlot, holder);
            }
        }
    }

    private async Task<HttpResponseMessage> SendInLaneAsync(HttpRequestMessage request, Lane lane, Action plan, CancellationToken cancellationToken)
    {
        // Changed inside this async method: the lane and the baggage copy flow inward and end with the call.
        using var scope = plan == Action.EnterLane ? LaneContext.Enter(lane) : default;
        if (plan == Action.AddToBaggage)
        {
            ForkBaggageWith(lane);
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    // Baggage.Current's holder is shared with the caller and its other flows; writing through it would leak the
    // lane into them. Dropping the holder first gives this call a holder of its own.
    private void ForkBaggageWith(Lane lane)
    {
        var baggage = OtelBaggage.Current;
        RuntimeContext.SetValue(BaggageSlot, null);
        OtelBaggage.Current = baggage.SetBaggage(baggageKey, lane.Name);
    }

    private Action Plan(HttpRequestMessage request, out Lane lane)
    {
        lane = LaneContext.Current;
        if (!lane.IsBase)
        {
            var baggage = OtelBaggage.Current;
            return baggage.Count > 0 && !string.Equals(baggage.GetBaggage(baggageKey), lane.Name, StringComparison.Ordinal) && IsAsyncLocal()
                ? Action.AddToBaggage
                : Action.None;
        }

        if (!readFromBaggage || request.Headers.NonValidated.Contains(headerName))
        {
            return Action.None;
        }

        var value = OtelBaggage.GetBaggage(baggageKey);
        if (string.IsNullOrEmpty(value))
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

    // Forking relies on the slot being an AsyncLocal (the default); with a thread-local slot the copy would outlive the call.
    private static bool IsAsyncLocal() =>
        RuntimeContext.ContextSlotType.IsGenericTypeDefinition
        && RuntimeContext.ContextSlotType == typeof(AsyncLocalRuntimeContextSlot<>);

    private enum Action
    {
        None,
        EnterLane,
        AddToBaggage,
    }
}
