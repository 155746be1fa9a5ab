using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Lanes.Benchmarks.Reporting;

/// <summary>
/// Turns BenchmarkDotNet's JSON reports of one run into the microbenchmark section of RESULTS.md: a table per class,
/// the load average measured while each class ran, and every target of issue 15 checked against the figures of the
/// same run.
/// </summary>
internal static class MicroReport
{
    // report-micro <root> [section]: one directory per class, each holding BenchmarkDotNet's results/, job.txt, command.txt
    // and load.log. The section is "micro" (the side-by-side comparison), "metrics" (issue 12's request metrics by lane) or "scale"
    // (discovery at 100 to 10,000 instances).
    public static int Run(string root, string section = "micro")
    {
        var (title, issue) = section switch
        {
            "micro" => ("Microbenchmarks", 15),
            "metrics" => ("Request metrics by lane", 12),
            "scale" => ("Discovery at scale: Nacos refresh and lane index rebuild", 15),
            _ => throw new ArgumentException($"Unknown section '{section}': micro, metrics or scale.", nameof(section)),
        };
        var rows = new List<Row>();
        var runs = new Dictionary<string, ClassRun>(StringComparer.Ordinal);
        string? environment = null;
        foreach (var directory in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            var run = new ClassRun(
                Read(directory, "job.txt"),
                Read(directory, "command.txt"),
                Loads(Path.Combine(directory, "load.log")));
            var results = Path.Combine(directory, "results");
            if (!Directory.Exists(results))
            {
                continue;
            }

            foreach (var file in Directory.GetFiles(results, "*-report-full-compressed.json").Order(StringComparer.Ordinal))
            {
                using var document = JsonDocument.Parse(File.ReadAllText(file));
                environment ??= Environment(document.RootElement);
                foreach (var benchmark in document.RootElement.GetProperty("Benchmarks").EnumerateArray())
                {
                    var row = Row.From(benchmark);
                    rows.Add(row);
                    runs[row.Class] = run;
                }
            }
        }

        if (rows.Count == 0)
        {
            Console.Error.WriteLine($"No BenchmarkDotNet JSON report under {root}.");
            return 1;
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"## {title}\n\n");
        var script = section == "micro" ? "bash benchmarks/micro.sh" : $"SECTION={section} bash benchmarks/micro.sh";
        text.Append(CultureInfo.InvariantCulture, $"Generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `{script}` from the runs below.\n\n");
        text.Append(CultureInfo.InvariantCulture, $"Machine: {environment}.\n\n");
        text.Append("Each class ran on its own; the load average (1 minute, sampled every 5 s) while it ran is given with its table. ");
        text.Append("The machine is shared: other engineers' builds and tests run beside these, so times are inflated by the load and the ");
        text.Append("median is shown next to the mean (less sensitive to preemption). Allocation figures are exact whatever the load.\n\n");

        var checks = Targets.Evaluate(rows).ToList();
        if (checks.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"### Targets (issue {issue}), checked on the figures below\n\n");
            text.Append("| target | measured | holds |\n|---|---|:-:|\n");
            foreach (var check in checks)
            {
                text.Append(CultureInfo.InvariantCulture, $"| {check.Target} | {check.Measured} | {(check.Holds is null ? "n/a" : check.Holds.Value ? "yes" : "**no**")} |\n");
            }

            text.Append('\n');
        }

        foreach (var group in rows.GroupBy(r => r.Class))
        {
            text.Append(CultureInfo.InvariantCulture, $"### {group.Key}\n\n");
            var run = runs[group.Key];
            text.Append(CultureInfo.InvariantCulture, $"`{run.Command}`, job {run.Job}; load average while it ran: {run.Load}.\n\n");

            var hasParameters = group.Any(r => r.Parameters.Length > 0);
            text.Append(hasParameters ? "| case | parameters | mean | median | ± error | allocated |\n|---|---|---:|---:|---:|---:|\n" : "| case | mean | median | ± error | allocated |\n|---|---:|---:|---:|---:|\n");
            foreach (var row in group)
            {
                text.Append(CultureInfo.InvariantCulture, $"| {row.Case} |");
                if (hasParameters)
                {
                    text.Append(CultureInfo.InvariantCulture, $" {row.Parameters} |");
                }

                text.Append(CultureInfo.InvariantCulture, $" {Time(row.Mean)} | {Time(row.Median)} | {Time(row.Error)} | {Bytes(row.Allocated)} |\n");
            }

            text.Append('\n');
        }

        ResultsFile.WriteSection(section, text.ToString());
        return 0;
    }

    public static string Time(double ns) => double.IsNaN(ns) ? "n/a" : ns switch
    {
        < 1_000 => ns.ToString("0.0", CultureInfo.InvariantCulture) + " ns",
        < 1_000_000 => (ns / 1_000).ToString("0.00", CultureInfo.InvariantCulture) + " µs",
        _ => (ns / 1_000_000).ToString("0.00", CultureInfo.InvariantCulture) + " ms",
    };

    public static string Bytes(long? bytes) => bytes is null ? "n/a" : bytes.Value.ToString("N0", CultureInfo.InvariantCulture) + " B";

    private static string Environment(JsonElement root)
    {
        var host = root.GetProperty("HostEnvironmentInfo");
        string Get(string name) => host.TryGetProperty(name, out var value) ? value.ToString() : "?";
        return $"{Get("ProcessorName")}, {Get("LogicalCoreCount")} logical cores, {Get("OsVersion")}, {Get("RuntimeVersion")}, BenchmarkDotNet {Get("BenchmarkDotNetVersion")}";
    }

    private static string Read(string directory, string name) =>
        File.Exists(Path.Combine(directory, name)) ? File.ReadAllText(Path.Combine(directory, name)).Trim() : "?";

    // One 1-minute load average per line, sampled while the class ran.
    private static string Loads(string path)
    {
        var loads = File.Exists(path)
            ? File.ReadLines(path).Select(l => double.TryParse(l, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN).Where(v => !double.IsNaN(v)).ToList()
            : [];
        return loads.Count == 0 ? "not recorded" : string.Create(CultureInfo.InvariantCulture, $"{loads.Min():0.0} to {loads.Max():0.0} on 2 cores");
    }

    private sealed record ClassRun(string Job, string Command, string Load);

    internal sealed record Row(string Class, string Method, string Case, string Parameters, double Mean, double Median, double Error, long? Allocated)
    {
        public static Row From(JsonElement benchmark)
        {
            var statistics = benchmark.GetProperty("Statistics");
            double Stat(string name) => statistics.ValueKind == JsonValueKind.Object && statistics.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;
            long? allocated = benchmark.TryGetProperty("Memory", out var memory) && memory.TryGetProperty("BytesAllocatedPerOperation", out var bytes) && bytes.ValueKind == JsonValueKind.Number ? bytes.GetInt64() : null;
            var method = benchmark.GetProperty("Method").GetString()!;
            var title = benchmark.TryGetProperty("MethodTitle", out var t) ? t.GetString()!.Trim('\'') : method;
            var error = statistics.ValueKind == JsonValueKind.Object && statistics.TryGetProperty("ConfidenceInterval", out var ci) && ci.TryGetProperty("Margin", out var margin) ? margin.GetDouble() : double.NaN;
            return new Row(benchmark.GetProperty("Type").GetString()!, method, title, (benchmark.GetProperty("Parameters").GetString() ?? "").Replace("&", ", ", StringComparison.Ordinal), Stat("Mean"), Stat("Median"), error, allocated);
        }
    }
}
