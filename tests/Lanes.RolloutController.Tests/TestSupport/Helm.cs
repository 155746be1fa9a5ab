namespace Lanes.RolloutController.Tests.TestSupport;

/// <summary>The real helm 4.1 (<c>bash eng/install-tools.sh helm</c>), found in artifacts/tools/bin, then on PATH.</summary>
internal static class Helm
{
    public const string Missing = "helm or kubectl is not installed: this test renders the chart with the real tools. Install them with 'bash eng/install-tools.sh kubectl helm' (.ci/run does).";

    public static string? Executable { get; } = Kubectl.FindTool("helm");

    public static string Chart { get; } = Path.Combine(Kubectl.RepositoryRoot, "deploy", "helm", "lanes-rollout-controller");

    /// <summary>Runs <paramref name="file"/> (helm, or a script that runs it) with helm's state kept out of the user's home.</summary>
    public static Task<(int ExitCode, string Output, string Errors)> RunAsync(string file, params string[] arguments)
    {
        var home = Path.Combine(Path.GetTempPath(), "lanes-helm-home");
        return ToolProcess.RunAsync(file, arguments, new Dictionary<string, string>
        {
            ["HELM_CONFIG_HOME"] = Path.Combine(home, "config"),
            ["HELM_CACHE_HOME"] = Path.Combine(home, "cache"),
            ["HELM_DATA_HOME"] = Path.Combine(home, "data"),
        });
    }

    /// <summary><c>helm template</c> of the chart; fails the test with helm's words unless it rendered.</summary>
    public static async Task<string> TemplateAsync(string release, string ns, params string[] arguments)
    {
        var (code, output, errors) = await RunAsync(Executable!, ["template", release, Chart, "--namespace", ns, .. arguments]);
        Assert.True(code == 0, $"helm template exited with {code}: {errors}");
        return output;
    }
}

/// <summary>A fact that needs the real helm and kubectl: skipped, saying how to install them, only when one is absent.</summary>
internal sealed class HelmFactAttribute : FactAttribute
{
    public HelmFactAttribute()
    {
        if (Helm.Executable is null || Kubectl.Executable is null)
        {
            Skip = Helm.Missing;
        }
    }
}

/// <summary>A theory that needs the real helm and kubectl.</summary>
internal sealed class HelmTheoryAttribute : TheoryAttribute
{
    public HelmTheoryAttribute()
    {
        if (Helm.Executable is null || Kubectl.Executable is null)
        {
            Skip = Helm.Missing;
        }
    }
}
