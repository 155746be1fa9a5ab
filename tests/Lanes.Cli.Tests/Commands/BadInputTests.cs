using Lanes.Cli.Tests.TestSupport;

namespace Lanes.Cli.Tests.Commands;

/// <summary>The bad input: an unknown Rollout, the wrong state for a verb, no cluster: one line, non-zero exit.</summary>
public sealed class BadInputTests
{
    [Theory]
    [InlineData("approve")]
    [InlineData("pause")]
    [InlineData("resume")]
    [InlineData("rollback")]
    [InlineData("status")]
    [InlineData("history")]
    public async Task UnknownRollout_IsOneLineNamingIt_AndExits1(string verb)
    {
        await using var run = await CliCluster.StartAsync(controller: false);

        var result = await run.RunAsync("rollout", verb, "nope", "-n", "team-a");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Error from server (NotFound): rollouts.rollouts.kruise.io \"nope\" not found in namespace \"team-a\"", result.ErrorLine);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task NoClusterReachable_IsOneLineNamingTheServer_AndExits1()
    {
        using var directory = new TempDirectory();
        var kubeconfig = Path.Combine(directory.Path, "config");
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        File.WriteAllText(kubeconfig, """
            apiVersion: v1
            kind: Config
            clusters:
            - name: gone
              cluster:
                server: https://127.0.0.1:1
            users:
            - name: me
              user:
                token: abc
            contexts:
            - name: gone
              context:
                cluster: gone
                user: me
            current-context: gone
            """);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await KubectlLanes.RunAsync(["rollout", "status", "rollout-a", "--kubeconfig", kubeconfig], new CliConsole(output, error, IsTerminal: false));

        Assert.Equal(1, exit);
        Assert.Equal("error: cannot reach the cluster at https://127.0.0.1:1 to get rollout rollout-a: Connection refused", error.ToString().TrimEnd());
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task MissingKubeconfig_AndUnknownContext_AreOneLineErrors()
    {
        using var directory = new TempDirectory();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var missing = Path.Combine(directory.Path, "absent");

        Assert.Equal(1, await KubectlLanes.RunAsync(["rollout", "list", "--kubeconfig", missing], new CliConsole(output, error, IsTerminal: false)));
        Assert.Equal($"error: no kubeconfig found (looked at {missing}); pass --kubeconfig or set KUBECONFIG", error.ToString().TrimEnd());

        await using var run = await CliCluster.StartAsync(controller: false);
        var result = await run.RunAsync("rollout", "list", "--context", "elsewhere");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: invalid kubeconfig ", result.ErrorLine, StringComparison.Ordinal);
        Assert.Contains("elsewhere", result.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadFlags_AreRejectedBeforeAnyCall()
    {
        await using var run = await CliCluster.StartAsync(controller: false);

        var format = await run.RunAsync("rollout", "list", "-o", "xml");
        Assert.NotEqual(0, format.ExitCode);
        Assert.Contains("unable to match a printer suitable for the output format \"xml\", allowed formats are: json,yaml", format.Error, StringComparison.Ordinal);

        var kind = await run.RunAsync("rollout", "approve", "deployment/app");
        Assert.NotEqual(0, kind.ExitCode);
        Assert.Contains("\"deployment\" is not a Rollout", kind.Error, StringComparison.Ordinal);

        var timeout = await run.RunAsync("rollout", "status", "x", "--watch", "--timeout", "soon");
        Assert.NotEqual(0, timeout.ExitCode);
        Assert.Contains("invalid duration \"soon\"", timeout.Error, StringComparison.Ordinal);
    }
}
