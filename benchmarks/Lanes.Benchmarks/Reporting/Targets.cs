using System.Globalization;
using static Lanes.Benchmarks.Reporting.MicroReport;

namespace Lanes.Benchmarks.Reporting;

/// <summary>The targets of issues 15 and 12, checked on the rows of one BenchmarkDotNet run (medians: see RESULTS.md).</summary>
internal static class Targets
{
    public sealed record Result(string Target, string Measured, bool? Holds);

    public static IEnumerable<Result> Evaluate(List<Row> rows)
    {
        Row? Find(string type, string method) => rows.FirstOrDefault(r => r.Class == type && r.Method == method);

        var direct = Find("RoutingHandlerBenchmark", "Direct");
        var discovery = Find("RoutingHandlerBenchmark", "ServiceDiscovery");
        var baseCall = Find("RoutingHandlerBenchmark", "BaseCall");
        var grayCall = Find("RoutingHandlerBenchmark", "GrayCall");
        if (baseCall is not null && grayCall is not null)
        {
            yield return new Result("gray call ≤ 1.2× base call", F($"{Time(grayCall.Median)} / {Time(baseCall.Median)} = {grayCall.Median / baseCall.Median:0.00}×"), grayCall.Median <= 1.2 * baseCall.Median);
            yield return new Result("gray call ≤ base + 64 B", F($"{Bytes(grayCall.Allocated)} − {Bytes(baseCall.Allocated)} = {grayCall.Allocated - baseCall.Allocated} B"), grayCall.Allocated - baseCall.Allocated <= 64);
        }

        // What .NET itself charges for the two headers on a request without any: the part of the gray call's extra cost
        // that no propagation code can remove.
        var directWithHeaders = Find("RoutingHandlerBenchmark", "DirectWithLaneHeaders");
        if (baseCall is not null && grayCall is not null && direct is not null && directWithHeaders is not null)
        {
            yield return new Result(
                "gray call − base call, against .NET's own cost of the two headers (measured, no target)",
                F($"{Time(grayCall.Median - baseCall.Median)} and {grayCall.Allocated - baseCall.Allocated} B, against {Time(directWithHeaders.Median - direct.Median)} and {directWithHeaders.Allocated - direct.Allocated} B"),
                null);
        }

        // The same pair made while serving a request: HttpClient writes traceparent below the handlers, so .NET's first
        // header entry array is paid by every call, not by the lane.
        var baseInRequest = Find("RoutingHandlerBenchmark", "BaseCallInRequest");
        var grayInRequest = Find("RoutingHandlerBenchmark", "GrayCallInRequest");
        if (baseInRequest is not null && grayInRequest is not null)
        {
            yield return new Result("gray call ≤ base + 64 B, in a request", F($"{Bytes(grayInRequest.Allocated)} − {Bytes(baseInRequest.Allocated)} = {grayInRequest.Allocated - baseInRequest.Allocated} B"), grayInRequest.Allocated - baseInRequest.Allocated <= 64);
            yield return new Result("gray call ≤ 1.2× base call, in a request", F($"{Time(grayInRequest.Median)} / {Time(baseInRequest.Median)} = {grayInRequest.Median / baseInRequest.Median:0.00}×"), grayInRequest.Median <= 1.2 * baseInRequest.Median);
        }

        // The same pair while a metrics exporter records HttpClient's request duration: both pay for the lane attribute.
        var baseRecorded = Find("RoutingHandlerBenchmark", "BaseCallRecorded");
        var grayRecorded = Find("RoutingHandlerBenchmark", "GrayCallRecorded");
        if (baseRecorded is not null && grayRecorded is not null)
        {
            yield return new Result("gray call ≤ base + 64 B, duration recorded", F($"{Bytes(grayRecorded.Allocated)} − {Bytes(baseRecorded.Allocated)} = {grayRecorded.Allocated - baseRecorded.Allocated} B"), grayRecorded.Allocated - baseRecorded.Allocated <= 64);
            yield return new Result("gray call ≤ 1.2× base call, duration recorded", F($"{Time(grayRecorded.Median)} / {Time(baseRecorded.Median)} = {grayRecorded.Median / baseRecorded.Median:0.00}×"), grayRecorded.Median <= 1.2 * baseRecorded.Median);
        }

        if (baseCall is not null && direct is not null)
        {
            yield return new Result("base call ≤ direct + 0.35 µs", F($"{Time(baseCall.Median)} − {Time(direct.Median)} = {Time(baseCall.Median - direct.Median)}"), baseCall.Median - direct.Median <= 350);
            yield return new Result("base call ≤ direct + 160 B", F($"{Bytes(baseCall.Allocated)} − {Bytes(direct.Allocated)} = {baseCall.Allocated - direct.Allocated} B"), baseCall.Allocated - direct.Allocated <= 160);
        }

        if (discovery is not null)
        {
            foreach (var call in new[] { baseCall, grayCall })
            {
                if (call is not null)
                {
                    yield return new Result($"{call.Case} ≤ 0.5× ME.SD's resolving call", F($"{Time(call.Median)} / {Time(discovery.Median)} = {call.Median / discovery.Median:0.00}×"), call.Median <= 0.5 * discovery.Median);
                }
            }
        }

        var selection = rows.Where(r => r.Class == "SelectionBenchmark" && r.Method.StartsWith("Lanes", StringComparison.Ordinal)).ToList();
        if (selection.Count > 0)
        {
            var slowest = selection.MaxBy(r => r.Median)!;
            yield return new Result("selection ≤ 100 ns at every size", F($"slowest {Time(slowest.Median)} ({slowest.Case}, {slowest.Parameters})"), slowest.Median <= 100);
            var allocating = selection.Where(r => r.Allocated != 0).ToList();
            yield return new Result("selection 0 B at every size", allocating.Count == 0 ? "0 B in every case" : $"{allocating.Count} cases allocate", allocating.Count == 0);
            foreach (var series in selection.GroupBy(r => (r.Case, Lanes: r.Parameters[(r.Parameters.IndexOf("Lanes", StringComparison.Ordinal))..])))
            {
                var small = series.MinBy(r => Instances(r.Parameters))!;
                var large = series.MaxBy(r => Instances(r.Parameters))!;
                var ratio = large.Median / small.Median;
                yield return new Result(F($"selection flat within 1.5× from 2 to 10,000 ({series.Key.Case}, {series.Key.Lanes})"), F($"{Time(large.Median)} / {Time(small.Median)} = {ratio:0.00}×"), ratio <= 1.5);
            }
        }

        if (Find("LaneMiddlewareBenchmark", "LaneRequest") is { } middleware)
        {
            yield return new Result("middleware, lane request ≤ 120 ns", Time(middleware.Median), middleware.Median <= 120);
            yield return new Result("middleware, lane request ≤ 72 B", Bytes(middleware.Allocated), middleware.Allocated <= 72);
        }

        // The same request while hosting's Activity is current, as in every ASP.NET Core app: what the middleware adds,
        // against .NET's own cost of making a lane ambient there.
        if (Find("LaneMiddlewareBenchmark", "LaneRequestInRequest") is { } inRequest
            && Find("LaneMiddlewareBenchmark", "EmptyMiddlewareInRequest") is { } emptyInRequest
            && Find("LaneMiddlewareBenchmark", "AmbientLaneAloneInRequest") is { } ambientInRequest)
        {
            yield return new Result(
                "middleware, lane request, in a request, against the ambient lane alone there (measured, no target)",
                F($"{Time(inRequest.Median - emptyInRequest.Median)} and {inRequest.Allocated - emptyInRequest.Allocated} B over an empty middleware, against {Time(ambientInRequest.Median)} and {Bytes(ambientInRequest.Allocated)}"),
                null);
        }

        // Break detection listens to HttpClient's diagnostics only while lanes are in use; then every call pays .NET's
        // description of it.
        if (Find("BreakDetectionBenchmark", "BaseCall") is { } quiet && Find("BreakDetectionBenchmark", "BaseCallWhileDetecting") is { } detecting)
        {
            yield return new Result(
                "break detection, per call of the process while lanes are in use (measured, no target; 0 while none is)",
                F($"{detecting.Allocated - quiet.Allocated} B and {Time(detecting.Median - quiet.Median)} over {Bytes(quiet.Allocated)} and {Time(quiet.Median)} for a loopback call"),
                null);
        }

        if (Find("EntryRulesBenchmark", "SeedRule_Match") is { } rule)
        {
            yield return new Result("entry rule (seed rule, match) ≤ 300 ns", Time(rule.Median), rule.Median <= 300);
        }

        // Issue 12: the lane attribute on http.server.request.duration adds no allocation to what the metric makes.
        foreach (var (plainMethod, enrichedMethod, kind) in new[] { ("PlainBase", "EnrichedBase", "base"), ("PlainGray", "EnrichedGray", "gray") })
        {
            if (Find("RequestMetricsBenchmark", plainMethod) is { } plain && Find("RequestMetricsBenchmark", enrichedMethod) is { } enriched)
            {
                yield return new Result($"lane attribute adds 0 B, {kind} request", F($"{Bytes(enriched.Allocated)} − {Bytes(plain.Allocated)} = {enriched.Allocated - plain.Allocated} B"), enriched.Allocated <= plain.Allocated);
                yield return new Result($"lane attribute's time, {kind} request (measured, no target)", F($"{Time(enriched.Median)} − {Time(plain.Median)} = {Time(enriched.Median - plain.Median)}"), null);
            }
        }
    }

    private static int Instances(string parameters)
    {
        var start = parameters.IndexOf("Instances=", StringComparison.Ordinal) + "Instances=".Length;
        var end = parameters.IndexOf(',', start);
        return int.Parse(end < 0 ? parameters[start..] : parameters[start..end], CultureInfo.InvariantCulture);
    }

    private static string F(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
