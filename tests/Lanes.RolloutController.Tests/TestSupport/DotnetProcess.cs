using System.Collections.Concurrent;
using System.Diagnostics;

namespace Lanes.RolloutController.Tests.TestSupport;

/// <summary>
/// An application of this build (<c>dotnet &lt;name&gt;.dll</c> from the test's output directory) run as its own process,
/// its output kept for waits and for the failure message. Disposing kills it (and its children) if it still runs.
/// </summary>
internal sealed class DotnetProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private DotnetProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything it wrote so far, stdout and stderr interleaved as received.</summary>
    public string Output => string.Join('\n', _output);

    public static DotnetProcess Start(string assembly, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = new DotnetProcess(Process.Start(info)!);
        process._process.OutputDataReceived += (_, e) => process.Record(e.Data);
        process._process.ErrorDataReceived += (_, e) => process.Record(e.Data);
        process._process.BeginOutputReadLine();
        process._process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Waits (bounded) until a line of its output contains <paramref name="text"/>; fails at once if it exits first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan? timeout = null)
    {
        await Eventually.WaitAsync(() => Wrote(text) || _process.HasExited, $"'{text}' in the output of {Path.GetFileName(_process.StartInfo.ArgumentList[0])}", timeout, () => Output);
        if (!Wrote(text))
        {
            Assert.Fail($"the process exited ({_process.ExitCode}) before writing '{text}':\n{Output}");
        }
    }

    public bool Wrote(string text) => _output.Any(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>Asks it to stop with SIGTERM, as Kubernetes stops a pod, and waits (bounded) for it to exit.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or it would not die within the bound: nothing more to do here.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Record(string? line)
    {
        if (line is not null && _output.Count < 20_000)
        {
            _output.Enqueue(line);
        }
    }
}
