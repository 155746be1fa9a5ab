using Lanes.Diagnostics;
using Lanes.Propagation;
using OtelBaggage = global::OpenTelemetry.Baggage;

namespace Lanes.OpenTelemetry.Propagation;

/// <summary>
/// Outermost handler of lane-aware clients: when the request carries no lane header and no lane is ambient,
/// takes the lane from OpenTelemetry's <c>Baggage.Current</c> and makes it ambient for the call, so propagation
/// and routing further in treat it as the request's lane. A malformed member is ignored and counted.
/// </summary>
internal sealed class LaneBaggageHandler(string headerName, string baggageKey, LanesMetrics metrics) : DelegatingHandler
{
    private const string Carrier = "otel-baggage";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        TryGetLane(request, out var lane) ? SendInLaneAsync(request, lane, cancellationToken) : base.SendAsync(request, cancellationToken);

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!TryGetLane(request, out var lane))
        {
            return base.Send(request, cancellationToken);
        }

        using var scope = LaneContext.Enter(lane);
        return base.Send(request, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendInLaneAsync(HttpRequestMessage request, Lane lane, CancellationToken cancellationToken)
    {
        // Entered inside this async method: the lane flows to the inner handlers and ends with the call.
        using var scope = LaneContext.Enter(lane);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private bool TryGetLane(HttpRequestMessage request, out Lane lane)
    {
        lane = Lane.Base;
        if (!LaneContext.Current.IsBase || request.Headers.NonValidated.Contains(headerName))
        {
            return false;
        }

        var value = OtelBaggage.GetBaggage(baggageKey);
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        if (!Lane.TryParse(value, out lane))
        {
            metrics.Rejected(Lane.Validate(value) == LaneError.TooLong ? LaneRejection.TooLong : LaneRejection.Invalid, Carrier);
            return false;
        }

        return !lane.IsBase;
    }
}
