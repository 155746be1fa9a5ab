using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Lanes.Kubernetes.Emulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Usage: Lanes.ControllerBench [--rollouts N] [--idle-passes P]
// N Rollouts (each over its own one-replica Deployment, one canary step with a pause) in the Kubernetes emulator, and the
// rollout controller against it, in one process. Three phases, each bounded in time:
//   start    the controller takes over N new Rollouts until every one is Healthy;
//   idle     resyncs pass over every Rollout P times: each pass must read only the watch caches (no API call);
//   release  every Deployment gets a new image at once, until every Rollout is paused at step 1.
// Prints a Markdown section: time per reconcile pass (from the controller's own Lanes.Rollout.Reconcile activity) and the
// API calls of each phase by kind. Exit code 1 when a phase did not finish or the idle phase made a call.
var rollouts = Option("--rollouts", 200);
var idlePasses = Option("--idle-passes", 3);
const string Ns = "default";

var calls = new ConcurrentQueue<(string Method, string Path, string Query)>();
var emulator = await KubernetesEmulator.StartAsync(new EmulatorOptions { OnRequest = (method, path, query) => calls.Enqueue((method, path, query)) });
await using var _ = emulator;
emulator.InstallCrds();
var yaml = new StringBuilder();
for (var i = 0; i < rollouts; i++)
{
    yaml.Append(ScaleManifests.DeploymentWithRollout(i)).Append("---\n");
}

emulator.ApplyManifests(yaml.ToString(), Ns);

var passes = new ConcurrentQueue<(string Rollout, TimeSpan Duration)>();
using var listener = new ActivityListener
{
    ShouldListenTo = static source => source.Name == "Lanes",
    Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
    ActivityStopped = activity =>
    {
        if (activity.OperationName == "Lanes.Rollout.Reconcile" && activity.GetTagItem("lanes.rollout") is string rollout)
        {
            passes.Enqueue((rollout, activity.Duration));
        }
    },
};
ActivitySource.AddActivityListener(listener);

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Lanes:RolloutController:LeaderElection:Enabled"] = "false",
    ["Lanes:RolloutController:ResyncPeriod"] = "00:00:05",

    // The webhooks as in a developer's run: on loopback, registered with the emulator, which calls them on Deployment updates.
    ["Lanes:RolloutController:Webhooks:LocalUrl"] = "https://127.0.0.1:0",
});
// Warnings go to stderr: stdout is the report.
builder.Logging.AddFilter(static level => level >= LogLevel.Warning).AddConsole(static o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Services.AddSingleton<IKubernetes>(new Kubernetes(new KubernetesClientConfiguration { Host = emulator.BaseAddress.ToString() }));
builder.Services.AddLanesRolloutController(builder.Configuration);
using var host = builder.Build();

var report = new StringBuilder();
var breakdown = new StringBuilder();
var failed = false;
var load = new List<double>();
using var sampling = new CancellationTokenSource();
var sampler = SampleLoadAsync(load, sampling.Token);

var clock = Stopwatch.StartNew();
var start = BeginPhase();
await host.StartAsync();
failed |= !await WaitAsync(r => State(r) == "Completed", "every Rollout Healthy", TimeSpan.FromMinutes(5));
var started = EndPhase(start, "start", $"{rollouts} new Rollouts until each is Healthy");

// Idle: wait for every Rollout to be resynced P times with nothing changing.
var idle = BeginPhase();
var idleClock = Stopwatch.StartNew();
while (idleClock.Elapsed < TimeSpan.FromMinutes(3))
{
    var counts = new Dictionary<string, int>(StringComparer.Ordinal);
    foreach (var (rollout, _) in passes.Skip(idle.Passes))
    {
        counts[rollout] = counts.GetValueOrDefault(rollout) + 1;
    }

    if (counts.Count == rollouts && counts.Values.All(n => n >= idlePasses))
    {
        break;
    }

    await Task.Delay(200);
}

var idled = EndPhase(idle, "idle", $"resyncs until every Rollout passed {idlePasses} times");
failed |= idled.Writes + idled.Lists + idled.Gets > 0 || idled.PassCount < rollouts * idlePasses;

var release = BeginPhase();
using (var client = new Kubernetes(new KubernetesClientConfiguration { Host = emulator.BaseAddress.ToString() }))
{
    for (var i = 0; i < rollouts; i++)
    {
        await client.AppsV1.PatchNamespacedDeploymentAsync(
            new k8s.Models.V1Patch("""[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"example/app:v2"}]""", k8s.Models.V1Patch.PatchType.JsonPatch),
            "app-" + i, Ns);
    }
}

failed |= !await WaitAsync(r => State(r) == "StepPaused", "every Rollout paused at step 1", TimeSpan.FromMinutes(5));
var released = EndPhase(release, "release", $"{rollouts} Deployments get a new image at once, until each Rollout is paused at step 1");

await sampling.CancelAsync();
await sampler;
using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
{
    await host.StopAsync(stop.Token);
}

report.Insert(0, string.Create(CultureInfo.InvariantCulture, $"""
    ## Rollout controller at scale

    Generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `RESULTS=1 bash benchmarks/controller.sh {rollouts}`. Machine: {Environment.ProcessorCount} cores, {Cpu()}, .NET {Environment.Version}; load average (1 minute) while it ran: {(load.Count == 0 ? "n/a" : $"{load.Min():F1} to {load.Max():F1}")}.

    {rollouts} Rollouts, each over its own one-replica Deployment with one canary step and a pause, in the Kubernetes emulator (in process, on loopback), and the controller against it with 2 workers, a 5 s resync and its webhooks registered. A pass is one reconcile of one Rollout, timed by the controller's own `Lanes.Rollout.Reconcile` activity: reading the watch caches, deciding, and the API writes the decision needs. API calls are counted at the emulator; watches (long-running `GET ...?watch=true`) are not counted as reads.

    | phase | what | wall time | passes | pass p50 | pass p99 | pass max | writes | lists | GETs |
    |---|---|---:|---:|---:|---:|---:|---:|---:|---:|

    """));
report.AppendLine();
report.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Idle passes make no API call: {(idled.Writes + idled.Lists + idled.Gets == 0 ? "yes" : "**no**")} ({idled.Writes} writes, {idled.Lists} lists, {idled.Gets} GETs over {idled.PassCount} passes)."));
report.AppendLine();
report.AppendLine("API calls by verb and resource (watches left out):");
report.AppendLine();
report.AppendLine("| phase | call | count |");
report.AppendLine("|---|---|---:|");
report.Append(breakdown);
Console.WriteLine(report.ToString());
return failed ? 1 : 0;

(int Calls, int Passes) BeginPhase() => (calls.Count, passes.Count);

PhaseResult EndPhase((int Calls, int Passes) mark, string name, string what)
{
    var phaseCalls = calls.Skip(mark.Calls).ToList();
    var durations = passes.Skip(mark.Passes).Select(static p => p.Duration.TotalMilliseconds).Order().ToArray();
    var writes = phaseCalls.Count(static c => c.Method != "GET");
    var lists = phaseCalls.Count(static c => c.Method == "GET" && !c.Query.Contains("watch=true", StringComparison.Ordinal) && IsList(c.Path));
    var gets = phaseCalls.Count(static c => c.Method == "GET" && !c.Query.Contains("watch=true", StringComparison.Ordinal) && !IsList(c.Path));
    foreach (var group in phaseCalls.Where(static c => !c.Query.Contains("watch=true", StringComparison.Ordinal))
        .GroupBy(static c => c.Method + " " + Resource(c.Path, c.Method)).OrderByDescending(static g => g.Count()))
    {
        breakdown.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {group.Key} | {group.Count()} |"));
    }

    var elapsed = clock.Elapsed;
    clock.Restart();
    report.AppendLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {what} | {elapsed.TotalSeconds:F1} s | {durations.Length} | {Percentile(durations, 50):F2} ms | {Percentile(durations, 99):F2} ms | {(durations.Length == 0 ? 0 : durations[^1]):F2} ms | {writes} | {lists} | {gets} |"));
    return new PhaseResult(durations.Length, writes, lists, gets);
}

// The resource of a path: "(list)" for a GET of a collection, "{name}" for an object: GET apps/deployments/{name}.
static string Resource(string path, string method)
{
    var segments = path.Trim('/').Split('/');
    var group = segments[0] == "api" ? "" : segments.Length > 1 ? segments[1] + "/" : "";
    var ns = Array.IndexOf(segments, "namespaces");
    var rest = ns >= 0 && ns + 2 < segments.Length ? segments[(ns + 2)..] : segments[Math.Min(3, segments.Length - 1)..];
    return group + (rest.Length == 1 ? rest[0] + (method == "GET" ? " (list)" : "") : rest[0] + "/{name}" + (rest.Length > 2 ? "/" + rest[2] : ""));
}

// A collection path ends with the plural (…/namespaces/default/rollouts); an object path names the object after it.
static bool IsList(string path)
{
    var segments = path.Trim('/').Split('/');
    var plural = segments.Length >= 2 && segments[^2] == "namespaces" ? "" : segments[^1];
    return plural is "rollouts" or "deployments" or "replicasets" or "trafficroutings" or "analysistemplates" or "pods" or "events" or "leases" or "services" or "ingresses" or "configmaps" or "httproutes";
}

async Task<bool> WaitAsync(Func<JsonObject?, bool> condition, string what, TimeSpan timeout)
{
    var deadline = Stopwatch.StartNew();
    while (deadline.Elapsed < timeout)
    {
        var done = 0;
        for (var i = 0; i < rollouts; i++)
        {
            if (condition(emulator.Store.Get(new StoredObjectKey(ResourceType.Rollouts, Ns, "rollout-" + i))))
            {
                done++;
            }
        }

        if (done == rollouts)
        {
            return true;
        }

        await Task.Delay(200);
    }

    Console.Error.WriteLine($"timed out after {timeout} waiting for {what}");
    return false;
}

static string? State(JsonObject? rollout) => rollout?["status"]?["canaryStatus"]?["currentStepState"]?.GetValue<string>();

static double Percentile(double[] sorted, double p) =>
    sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

static string Cpu() =>
    File.Exists("/proc/cpuinfo") && File.ReadLines("/proc/cpuinfo").FirstOrDefault(static l => l.StartsWith("model name", StringComparison.Ordinal)) is { } line
        ? line[(line.IndexOf(':') + 1)..].Trim()
        : "unknown CPU";

static async Task SampleLoadAsync(List<double> samples, CancellationToken cancellationToken)
{
    while (!cancellationToken.IsCancellationRequested)
    {
        if (File.Exists("/proc/loadavg") && double.TryParse((await File.ReadAllTextAsync("/proc/loadavg", CancellationToken.None)).Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            samples.Add(value);
        }

        try
        {
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
    }
}

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], CultureInfo.InvariantCulture, out var value) ? value : fallback;
}

internal sealed record PhaseResult(int PassCount, int Writes, int Lists, int Gets);
