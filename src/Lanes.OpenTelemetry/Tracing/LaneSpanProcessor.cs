using System.Diagnostics;
using Lanes.Diagnostics;
using OpenTelemetry;

namespace Lanes.OpenTelemetry.Tracing;

/// <summary>
/// Tags spans that start inside a lane with <c>lanes.lane</c> and, when asked, mirrors the lane into
/// OpenTelemetry baggage. Runs at span start, on the thread that starts the span, so it sees the caller's lane.
/// </summary>
internal sealed class LaneSpanProcessor(bool tagSpans, string? mirrorKey) : BaseProcessor<Activity>
{
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

        // Compare first: SetBaggage writes through OpenTelemetry's shared holder, so skip the write when it is there.
        if (mirrorKey is not null && !string.Equals(Baggage.GetBaggage(mirrorKey), lane.Name, StringComparison.Ordinal))
        {
            Baggage.SetBaggage(mirrorKey, lane.Name);
        }
    }
}
