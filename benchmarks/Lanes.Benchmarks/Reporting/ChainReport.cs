using System.Globalization;
using System.Text;

namespace Lanes.Benchmarks.Reporting;

/// <summary>
/// Turns the rounds of <c>benchmarks/chain.sh</c> (its <c>results.tsv</c>) into the chain section of RESULTS.md: every
/// round with its load average, the ratios against plain ME.SD with their spread, and the targets of issue 15.
/// </summary>
internal static class ChainReport
{
    private static readonly string[] Designs = ["lanes", "discovery", "sidecar"];

    public static int Run(string directory, string machine, string command)
    {
        var lines = File.ReadAllLines(Path.Combine(directory, "results.tsv")).Skip(1).Select(l => l.Split('\t')).ToList();
        var runs = lines.Select(f => new Measurement(int.Parse(f[0], CultureInfo.InvariantCulture), f[1], D(f[2]), D(f[3]), D(f[4]), D(f[5]), D(f[6]), f[7])).ToList();
        var rounds = runs.Select(r => r.Round).Distinct().Order().ToList();
        Measurement Get(int round, string design) => runs.Single(r => r.Round == round && r.Design == design);

        var text = new StringBuilder();
        text.Append("## Chain load: Lanes, plain ME.SD, nginx sidecars\n\n");
        text.Append(F($"Generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `{command}`. Machine: {machine}.\n\n"));
        text.Append("gw → A | A-gray → B → C | C-gray on loopback, every process on the same 2 shared cores with wrk; half the requests ");
        text.Append("carry `x-mse-tag: gray`. **lanes**: Lanes in every process. **discovery**: Microsoft.Extensions.ServiceDiscovery, ");
        text.Append("no lanes: round robin over every instance of a service, canaries included (the baseline). **sidecar**: each calling service sends to its own nginx (1 worker, ");
        text.Append("keep-alive upstreams), which picks the next instance by `x-mse-tag`; the services forward the header with ");
        text.Append("ASP.NET Core header propagation. CPU is utime + stime of every chain process (services, nginx masters and ");
        text.Append("workers) from `/proc`, per 1,000 requests. The path each design gave a base and a gray request is checked before each run. ");
        text.Append("Every run follows a warm-up under the same load (20 s unless `WARMUP` says otherwise: after 5 s, tiered compilation still took ");
        text.Append("a fifth of the chain's CPU), and the order of the designs turns every round.\n\n");
        text.Append("| round | design | load avg | req/s | p50 | p99 | CPU s / 1k req | errors |\n|---:|---|---:|---:|---:|---:|---:|---|\n");
        foreach (var run in runs)
        {
            text.Append(F($"| {run.Round} | {run.Design} | {run.Load:0.0} | {run.Rps:0} | {run.P50:0.00} ms | {run.P99:0.00} ms | {run.Cpu:0.000} | {run.Errors} |\n"));
        }

        text.Append("\nRatios of the designs run in the same round: median, mean, and lowest to highest over the rounds. The machine's speed ");
        text.Append("drifts between and within runs (see the load and the spread), so the targets are checked on the median, the ratio a ");
        text.Append("single disturbed run cannot move; the mean is beside it.\n\n| ratio | throughput | p50 | p99 | CPU per request |\n|---|---:|---:|---:|---:|\n");
        foreach (var (a, b) in new[] { ("lanes", "discovery"), ("sidecar", "discovery"), ("lanes", "sidecar") })
        {
            text.Append(F($"| {a} / {b} | {Spread(rounds, r => Get(r, a).Rps / Get(r, b).Rps)} | {Spread(rounds, r => Get(r, a).P50 / Get(r, b).P50)} | {Spread(rounds, r => Get(r, a).P99 / Get(r, b).P99)} | {Spread(rounds, r => Get(r, a).Cpu / Get(r, b).Cpu)} |\n"));
        }

        Func<int, double> throughput = r => Get(r, "lanes").Rps / Get(r, "discovery").Rps;
        Func<int, double> p99 = r => Get(r, "lanes").P99 / Get(r, "discovery").P99;
        Func<int, double> overSidecar = r => Get(r, "lanes").Rps / Get(r, "sidecar").Rps;
        Func<int, double> p99Sidecar = r => Get(r, "lanes").P99 / Get(r, "sidecar").P99;
        text.Append("\n| target (issue 15) | median of rounds | mean of rounds | holds (median) |\n|---|---:|---:|:-:|\n");
        text.Append(Target("lanes / discovery throughput ≥ 0.97", rounds, throughput, static v => v >= 0.97));
        text.Append(Target("lanes / discovery p99 ≤ 1.05", rounds, p99, static v => v <= 1.05));
        text.Append(Target("lanes / sidecar throughput ≥ 1.3", rounds, overSidecar, static v => v >= 1.3));
        text.Append(Target("lanes p99 lower than sidecar p99", rounds, p99Sidecar, static v => v < 1));
        ResultsFile.WriteSection("chain", text.ToString());
        return 0;
    }

    private static string Yes(bool holds) => holds ? "yes" : "**no**";

    private static string Target(string target, List<int> rounds, Func<int, double> ratio, Func<double, bool> holds)
    {
        var median = Median(rounds, ratio);
        return F($"| {target} | {median:0.000} | {rounds.Average(ratio):0.000} | {Yes(holds(median))} |\n");
    }

    private static double Median(List<int> rounds, Func<int, double> ratio)
    {
        var sorted = rounds.Select(ratio).Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static string Spread(List<int> rounds, Func<int, double> ratio) =>
        F($"{Median(rounds, ratio):0.000}, {rounds.Average(ratio):0.000} ({rounds.Min(ratio):0.000} to {rounds.Max(ratio):0.000})");

    private static double D(string value) => double.Parse(value, CultureInfo.InvariantCulture);

    private static string F(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed record Measurement(int Round, string Design, double Load, double Rps, double P50, double P99, double Cpu, string Errors);
}
