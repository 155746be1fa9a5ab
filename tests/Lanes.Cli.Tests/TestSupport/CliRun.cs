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

    public async Task<CliResult> RunAsync(IReadOnlyList<Func<DelegatingHandler>>? handlers, CancellationToken cancellationToken, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await KubectlLanes.RunAsync([.. args, "--kubeconfig", Kubeconfig], new CliConsole(output, error, IsTerminal: false), handlers, cancellationToken);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
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
