using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Lanes.Kubernetes.Tests.Infrastructure;

/// <summary>One pod's container as a real process: started, probed for readiness, stopped with SIGTERM as the kubelet does.</summary>
internal sealed partial class PodProcess : IDisposable
{
    private const int KeptLines = 60;
    private readonly Process _process;
    private readonly Queue<string> _output = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Uri _readiness;
    private long _stopRequested;
    private volatile bool _ready;

    private readonly Probe _probe;

    private PodProcess(string name, Process process, Uri readiness, Probe probe)
    {
        Name = name;
        _process = process;
        _readiness = readiness;
        _probe = probe;
    }

    /// <summary>A readiness probe's timing.</summary>
    public sealed record Probe(TimeSpan Timeout, TimeSpan Period, int FailureThreshold);

    public string Name { get; }

    public bool Ready => _ready && !_process.HasExited;

    public bool HasExited => _process.HasExited;

    public static PodProcess Start(string name, string assemblyPath, IEnumerable<string> args, IDictionary<string, string> environment, Uri readiness, Probe probe)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assemblyPath)!,
        };
        info.ArgumentList.Add(assemblyPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var pod = new PodProcess(name, process, readiness, probe);
        process.OutputDataReceived += (_, e) => pod.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => pod.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = pod.ProbeAsync();
        return pod;
    }

    /// <summary>
    /// The readiness probe as the kubelet runs it: an HTTP GET with the probe's timeout (default 1 s); ready after one
    /// success, not ready after <c>failureThreshold</c> (default 3) failures in a row. It probes every 100 ms until
    /// first ready, then every <c>periodSeconds</c> (default 10, at most 2 here to keep tests short).
    /// </summary>
    private async Task ProbeAsync()
    {
        using var client = new HttpClient { Timeout = _probe.Timeout };
        var failures = 0;
        while (!_stop.IsCancellationRequested && !_process.HasExited)
        {
            try
            {
                using var response = await client.GetAsync(_readiness, _stop.Token);
                failures = response.IsSuccessStatusCode ? 0 : failures + 1;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                failures++;
            }

            if (failures == 0)
            {
                _ready = true;
            }
            else if (failures >= _probe.FailureThreshold)
            {
                _ready = false;
            }

            try
            {
                await Task.Delay(_ready ? _probe.Period : TimeSpan.FromMilliseconds(100), _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        _ready = false;
    }

    /// <summary>Sends SIGTERM once, <paramref name="after"/> the first call (a preStop sleep); kills when asked to.</summary>
    public bool TryStop(TimeSpan after, bool kill)
    {
        if (_process.HasExited)
        {
            return true;
        }

        var now = Stopwatch.GetTimestamp();
        var requested = Interlocked.CompareExchange(ref _stopRequested, now, 0);
        if (requested == 0)
        {
            requested = now;
        }

        if (kill)
        {
            _process.Kill(entireProcessTree: true);
        }
        else if (Stopwatch.GetElapsedTime(requested) >= after && Interlocked.Exchange(ref _sentTerm, 1) == 0)
        {
            _ = Kill(_process.Id, SigTerm);
        }

        return _process.HasExited;
    }

    private int _sentTerm;

    public string RecentOutput()
    {
        lock (_output)
        {
            return string.Join(Environment.NewLine, _output);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            if (!_process.HasExited)
            {
                _ = Kill(_process.Id, SigTerm);
                if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(5000);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        _stop.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > KeptLines)
            {
                _output.Dequeue();
            }
        }
    }

    private static string DotnetHost()
    {
        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }

    private const int SigTerm = 15;

    // Process.Kill sends SIGKILL only; the kubelet stops a container with SIGTERM first.
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
