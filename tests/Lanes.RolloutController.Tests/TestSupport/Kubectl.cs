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
    public static Task<(int ExitCode, string Output, string Errors)> RunAsync(string kubeconfig, params string[] arguments) =>
        ToolProcess.RunAsync(Executable ?? throw new InvalidOperationException(Missing), ["--kubeconfig", kubeconfig, .. arguments],
            new Dictionary<string, string> { ["KUBECACHEDIR"] = Path.Combine(Path.GetDirectoryName(kubeconfig)!, "cache") });

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
