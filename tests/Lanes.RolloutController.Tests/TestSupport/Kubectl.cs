using System.Diagnostics;
using System.Reflection;

namespace Lanes.RolloutController.Tests.TestSupport;

/// <summary>The real kubectl 1.35 (<c>bash eng/install-tools.sh kubectl</c>), found in artifacts/tools/bin, then on PATH.</summary>
internal static class Kubectl
{
    public const string Missing = "kubectl is not installed: this test drives the emulator with the real kubectl. Install it with 'bash eng/install-tools.sh kubectl' (.ci/run does).";

    public static string RepositoryRoot { get; } = Path.GetFullPath(typeof(Kubectl).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Lanes.RolloutController.Tests.RepositoryRoot").Value!);

    public static string? Executable { get; } = FindTool("kubectl");

    /// <summary>A tool eng/install-tools.sh installs: in artifacts/tools/bin, then on PATH.</summary>
    public static string? FindTool(string name)
    {
        var candidates = new List<string> { Path.Combine(RepositoryRoot, "artifacts", "tools", "bin", name) };
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            candidates.Add(Path.Combine(directory, name));
        }

        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>Runs kubectl with <paramref name="kubeconfig"/>; bounded to 60 s.</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string kubeconfig, params string[] arguments)
    {
        var info = new ProcessStartInfo(Executable ?? throw new InvalidOperationException(Missing))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--kubeconfig");
        info.ArgumentList.Add(kubeconfig);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["KUBECACHEDIR"] = Path.Combine(Path.GetDirectoryName(kubeconfig)!, "cache");
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', arguments)} did not finish within 60 s: {await errors}");
        }

        return (process.ExitCode, await output, await errors);
    }

    /// <summary>Runs kubectl and fails the test, with kubectl's own words, unless it succeeded.</summary>
    public static async Task<string> SucceedAsync(string kubeconfig, params string[] arguments)
    {
        var (code, output, errors) = await RunAsync(kubeconfig, arguments);
        Assert.True(code == 0, $"kubectl {string.Join(' ', arguments)} exited with {code}: {errors}{output}");
        return output;
    }
}

/// <summary>A fact that needs the real kubectl: skipped, saying how to install it, only when kubectl is absent.</summary>
internal sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (Kubectl.Executable is null)
        {
            Skip = Kubectl.Missing;
        }
    }
}
