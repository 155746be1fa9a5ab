using System.Diagnostics;

namespace Lanes.RolloutController.Tests.TestSupport;

/// <summary>The real helm 4.1 (<c>bash eng/install-tools.sh helm</c>), found in artifacts/tools/bin, then on PATH.</summary>
internal static class Helm
{
    public const string Missing = "helm or kubectl is not installed: this test renders the chart with the real tools. Install them with 'bash eng/install-tools.sh kubectl helm' (.ci/run does).";

    public static string? Executable { get; } = Kubectl.FindTool("helm");

    public static string Chart { get; } = Path.Combine(Kubectl.RepositoryRoot, "deploy", "helm", "lanes-rollout-controller");

    /// <summary>Runs <paramref name="file"/> with <paramref name="arguments"/>; bounded to 60 s.</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // No user's helm configuration, cache or repositories leak into a test.
        var home = Path.Combine(Path.GetTempPath(), "lanes-helm-home");
        info.Environment["HELM_CONFIG_HOME"] = Path.Combine(home, "config");
        info.Environment["HELM_CACHE_HOME"] = Path.Combine(home, "cache");
        info.Environment["HELM_DATA_HOME"] = Path.Combine(home, "data");
        info.Environment["PATH"] = Path.GetDirectoryName(Executable ?? file) + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
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
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish within 60 s: {await errors}");
        }

        return (process.ExitCode, await output, await errors);
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
