using System.Diagnostics;
using System.Reflection;

namespace Lanes.Yarp.Tests.Diagnostics;

/// <summary>Debian's chromium, headless, as the guide says to run it; found in artifacts/tools/bin, then on PATH.</summary>
internal static class Chromium
{
    public static string RepositoryRoot { get; } = Path.GetFullPath(typeof(Chromium).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Lanes.Yarp.Tests.RepositoryRoot").Value!);

    public static string Find()
    {
        var candidates = new List<string> { Path.Combine(RepositoryRoot, "artifacts", "tools", "bin", "chromium") };
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            candidates.Add(Path.Combine(directory, "chromium"));
            candidates.Add(Path.Combine(directory, "chromium-browser"));
        }

        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "Chromium is not installed: this test loads the diagnostics page in a real browser. Install it with 'bash eng/install-tools.sh chromium' (.ci/run does).");
    }

    /// <summary>Runs one headless chromium with the arguments after the standard ones; returns its standard output.</summary>
    public static async Task<string> RunAsync(params string[] arguments)
    {
        var profile = Directory.CreateTempSubdirectory("lanes-chromium-");
        var info = new ProcessStartInfo(Find())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", $"--user-data-dir={profile.FullName}" }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium did not finish within 90 s: {await errors}");
        }
        finally
        {
            try
            {
                profile.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }

        return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"chromium exited with {process.ExitCode}: {await errors}");
    }
}
