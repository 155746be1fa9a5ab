using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

// Usage: Lanes.LoadTest <gateway-url> [--requests N] [--concurrency C] [--seconds S]
// Sends N requests (half base, half User-Agent: xiaoming), C at a time, stopping early after S seconds.
// A base answer must contain no gray hop and a gray answer must start at Agray and end at Cgray.
if (args.Length == 0)
{
    Console.Error.WriteLine("Usage: Lanes.LoadTest <gateway-url> [--requests N] [--concurrency C] [--seconds S]");
    return 2;
}

var gateway = new Uri(args[0]);
var requests = Option("--requests", 20_000);
var concurrency = Option("--concurrency", 16);
var seconds = Option("--seconds", 120);

using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = gateway };
var baseShape = new Regex(@"^A\[[^\]]+\]\[config=base\] -> B\[[^\]]+\] -> C\[[^\]]+\]$", RegexOptions.CultureInvariant);
var grayShape = new Regex(@"^Agray\[[^\]]+\]\[config=base\] -> B\[[^\]]+\] -> Cgray\[[^\]]+\]$", RegexOptions.CultureInvariant);

using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 60));

// Warm up connections and JIT before measuring.
for (var i = 0; i < 200; i++)
{
    await SendAsync(i % 2 == 1);
}

var latencies = new double[2][] { new double[requests], new double[requests] };
var counts = new int[2];
var misroutes = 0;
var failures = 0;
var next = -1;
deadline.CancelAfter(TimeSpan.FromSeconds(seconds));
var clock = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(WorkerAsync)));
clock.Stop();

var sent = counts[0] + counts[1];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"requests {sent} in {clock.Elapsed.TotalSeconds:F1} s = {sent / clock.Elapsed.TotalSeconds:F0} req/s, concurrency {concurrency}, misroutes {misroutes}, failures {failures}"));
for (var lane = 0; lane < 2; lane++)
{
    var sample = latencies[lane].AsSpan(0, counts[lane]).ToArray();
    Array.Sort(sample);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{(lane == 0 ? "base" : "gray"),-4}  n={sample.Length}  p50={Percentile(sample, 50):F2} ms  p90={Percentile(sample, 90):F2} ms  p99={Percentile(sample, 99):F2} ms  max={(sample.Length == 0 ? 0 : sample[^1]):F2} ms"));
}

return misroutes == 0 && failures == 0 ? 0 : 1;

async Task WorkerAsync()
{
    while (!deadline.IsCancellationRequested)
    {
        var i = Interlocked.Increment(ref next);
        if (i >= requests)
        {
            return;
        }

        var gray = i % 2 == 1;
        var started = Stopwatch.GetTimestamp();
        try
        {
            var answer = await SendAsync(gray);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var lane = gray ? 1 : 0;
            latencies[lane][Interlocked.Increment(ref counts[lane]) - 1] = elapsed;
            if (!(gray ? grayShape : baseShape).IsMatch(answer))
            {
                Interlocked.Increment(ref misroutes);
            }
        }
        catch (HttpRequestException)
        {
            Interlocked.Increment(ref failures);
        }
    }
}

async Task<string> SendAsync(bool gray)
{
    using var request = new HttpRequestMessage(HttpMethod.Get, "/a");
    if (gray)
    {
        request.Headers.TryAddWithoutValidation("User-Agent", "xiaoming");
    }

    using var response = await client.SendAsync(request, deadline.Token);
    response.EnsureSuccessStatusCode();
    return await response.Content.ReadAsStringAsync(deadline.Token);
}

static double Percentile(double[] sorted, int p) =>
    sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1)];

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
}
