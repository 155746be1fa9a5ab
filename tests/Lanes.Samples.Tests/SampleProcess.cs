using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace Lanes.Samples.Tests;

/// <summary>
/// One sample service as its own process, as in production: it can be stopped gracefully (SIGTERM: it deregisters
/// and drains) or killed (SIGKILL: it runs no code on the way out), and started again on the same port. It stops
/// with the test host however that ends (<c>Sample:StopWithParent</c>: it watches the pipe the test holds to its input).
/// </summary>
internal sealed class SampleProcess : IAsyncDisposable
{
    private const int KeptLines = 200;
    private static readonly string s_servicePath = typeof(SampleProcess).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Lanes.Samples.Tests.ServicePath").Value!;

    private readonly Func<int, IEnumerable<string>> _arguments;
    private readonly Queue<string> _output = new();
    private Process? _process;

    /// <param name="label">For messages, e.g. <c>Agray#1</c>.</param>
    /// <param name="arguments">The command line for a port.</param>
    public SampleProcess(string label, Func<int, IEnumerable<string>> arguments)
    {
        Label = label;
        _arguments = arguments;
        Port = FreePort();
    }

    public string Label { get; }

    /// <summary>The port it listens on; kept across restarts unless another process took it meanwhile.</summary>
    public int Port { get; private set; }

    public bool Running => _process is { HasExited: false };

    /// <summary>Starts the process and waits until it answers <c>/healthz</c>.</summary>
    public async Task StartAsync(TimeSpan timeout)
    {
        for (var attempt = 0; ; attempt++)
        {
            Start();
            if (await WaitHealthyAsync(timeout))
            {
                return;
            }

            // It exited while starting: its port may have been taken while it was down. Another port, once.
            Assert.True(attempt == 0 && _process!.HasExited, $"{Label} (port {Port}) did not become healthy within {timeout}:\n{RecentOutput()}");
            Port = FreePort();
        }
    }

    /// <summary>SIGTERM, then waits for the graceful exit (a kill only when it does not come within <paramref name="grace"/>).</summary>
    public async Task TerminateAsync(TimeSpan grace)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>SIGKILL: the process runs nothing more, its sockets close with it.</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        process.Kill();
        await process.WaitForExitAsync();
    }

    public string RecentOutput()
    {
        lock (_output)
        {
            return string.Join(Environment.NewLine, _output);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await TerminateAsync(TimeSpan.FromSeconds(10));
        _process?.Dispose();
    }

    private void Start()
    {
        _process?.Dispose();
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,   // the pipe Sample:StopWithParent watches
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(s_servicePath)!,
        };
        info.Environment["DOTNET_gcServer"] = "0";   // eight services on a shared 2-core machine: one heap each is plenty
        info.ArgumentList.Add(s_servicePath);
        foreach (var arg in _arguments(Port))
        {
            info.ArgumentList.Add(arg);
        }

        info.ArgumentList.Add("--Sample:StopWithParent=true");
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        Assert.True(process.Start(), $"{Label} did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    private async Task<bool> WaitHealthyAsync(TimeSpan timeout)
    {
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process!.HasExited)
            {
                return false;
            }

            try
            {
                using var response = await probe.GetAsync(new Uri($"http://127.0.0.1:{Port}/healthz"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{Label} (port {Port}) did not become healthy within {timeout}:\n{RecentOutput()}");
        return false;
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
