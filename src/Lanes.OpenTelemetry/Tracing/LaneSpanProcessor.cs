using System.Diagnostics;
using Lanes.Diagnostics;
using Lanes.OpenTelemetry.Propagation;
using OpenTelemetry;

namespace Lanes.OpenTelemetry.Tracing;

/// <summary>
/// Tags spans that start inside a lane with <c>lanes.lane</c> and, when asked, mirrors the lane into
/// OpenTelemetry baggage for as long as the span lasts. Runs at span start, on the flow that starts the span, so it
/// sees the caller's lane.
/// </summary>
/// <remarks>
/// The mirrored lane goes into a copy of the baggage of the flow that started the span, never through the holder
/// it shares with others, and the copy is dropped when the span ends: once the lane's scope is over, the baggage
/// no longer carries it (a queue consumer's next, base, job must not find the previous job's lane there).
/// </remarks>
internal sealed class LaneSpanProcessor(bool tagSpans, string? mirrorKey) : BaseProcessor<Activity>
{
    private const string MirroredProperty = "lanes.baggage.mirrored";

    public override void OnStart(Activity data)
    {
        var lane = LaneContext.Current;
        if (lane.IsBase)
        {
            return;
        }

        if (tagSpans && data.GetTagItem(LanesDiagnostics.LaneTag) is null)
        {
            data.SetTag(LanesDiagnostics.LaneTag, lane.Name);
        }

        if (mirrorKey is not null && !string.Equals(Baggage.GetBaggage(mirrorKey), lane.Name, StringComparison.Ordinal) && BaggageFork.IsSupported)
        {
            var previous = BaggageFork.Holder;
            var mirrored = BaggageFork.Set(mirrorKey, lane.Name);
            data.SetCustomProperty(MirroredProperty, new Mirrored(previous, mirrored));
        }
    }

    public override void OnEnd(Activity data)
    {
        // Back to the baggage the span started with, unless something else has replaced the copy meanwhile.
        if (data.GetCustomProperty(MirroredProperty) is Mirrored mirrored && ReferenceEquals(BaggageFork.Holder, mirrored.Holder))
        {
            BaggageFork.Restore(mirrored.Previous);
        }
    }

    private sealed record Mirrored(object? Previous, object? Holder);
}
