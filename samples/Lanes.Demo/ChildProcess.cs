using System.Diagnostics;

namespace Lanes.Demo;

/// <summary>One sample host running as its own process; its output is kept for error reports.</summary>
internal sealed class ChildProcess : IDisposable
{
    private const int KeptLines = 40;
    private readonly Process _process;
    private readonly Queue<string> _output = new();

    private ChildProcess(string label, Process process)
    {
        Label = label;
        _process = process;
    }

    public string Label { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static ChildProcess Start(string label, string assemblyPath, IEnumerable<string> args, bool echo)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,   // a child never waits on the demo's terminal
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assemblyPath)!,   // the host's content root, where its appsettings.json is
        };
        info.ArgumentList.Add(assemblyPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(label, process);
        process.OutputDataReceived += (_, e) => child.Keep(e.Data, echo);
        process.ErrorDataReceived += (_, e) => child.Keep(e.Data, echo);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public string RecentOutput()
    {
        lock (_output)
        {
            return string.Join(Environment.NewLine, _output);
        }
    }

    /// <summary>Asks the child to stop (SIGTERM: it deregisters from Nacos and drains), then kills what is left.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited && (!Terminate(_process.Id) || !_process.WaitForExit(GracePeriod)))
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(10);

    private static bool Terminate(int pid) => !OperatingSystem.IsWindows() && NativeMethods.Kill(pid, NativeMethods.SigTerm) == 0;

    private void Keep(string? line, bool echo)
    {
        if (line is null)
        {
            return;
        }

        if (echo)
        {
            Console.Error.WriteLine($"[{Label}] {line}");
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

    // Run children with the same dotnet host that runs the demo when there is one.
    private static string DotnetHost()
    {
        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }
}
