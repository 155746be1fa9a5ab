using Lanes.Kubernetes.Emulator;

namespace Lanes.Cli.Tests.TestSupport;

/// <summary>
/// Runs kubectl-lanes in process through its entry point, as a user would from a shell with a kubeconfig pointing at
/// the emulator; output is captured, and stdout is not a terminal (so the plain output is what is checked).
/// </summary>
internal sealed class CliRun : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kubectl-lanes-").FullName;

    public CliRun(KubernetesEmulator emulator)
    {
        Kubeconfig = Path.Combine(_directory, "kubeconfig");
        // A kubeconfig user carries credentials (the client refuses one without); the emulator knows this admin token.
        File.WriteAllText(Kubeconfig, emulator.KubeConfig("default", token: "system:admin") + Environment.NewLine);
    }

    public string Kubeconfig { get; }

    public Task<CliResult> RunAsync(params string[] args) => RunAsync(null, CancellationToken.None, args);

    public Task<CliResult> RunAsync(IReadOnlyList<Func<DelegatingHandler>>? handlers, CancellationToken cancellationToken, params string[] args) =>
        Start(handlers, cancellationToken, args).Completion;

    /// <summary>Starts a run whose output can be read while it goes on (a watch).</summary>
    public RunningCli Start(IReadOnlyList<Func<DelegatingHandler>>? handlers, CancellationToken cancellationToken, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = new CliConsole(TextWriter.Synchronized(output), TextWriter.Synchronized(error), IsTerminal: false);
        return new RunningCli(CompleteAsync(), console.Out, output);

        async Task<CliResult> CompleteAsync()
        {
            var exitCode = await KubectlLanes.RunAsync([.. args, "--kubeconfig", Kubeconfig], console, handlers, cancellationToken);
            return new CliResult(exitCode, output.ToString(), error.ToString());
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

/// <summary>A run of kubectl-lanes under way.</summary>
internal sealed class RunningCli(Task<CliResult> completion, TextWriter synchronizedOut, StringWriter output)
{
    public Task<CliResult> Completion => completion;

    /// <summary>What it printed so far (the synchronized writer locks itself while writing).</summary>
    public string Output
    {
        get
        {
            lock (synchronizedOut)
            {
                return output.ToString();
            }
        }
    }
}

/// <summary>What one run of kubectl-lanes printed and returned.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}; stdout: {Output}; stderr: {Error}";

    /// <summary>The error was a single line (the Bad input rule).</summary>
    public string ErrorLine
    {
        get
        {
            var lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(lines.Length == 1, "expected a one-line error, got: " + Error);
            return lines[0];
        }
    }
}
