using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.Cli.Tests.TestSupport;

/// <summary>An emulator with the real controller running, and kubectl-lanes configured for it.</summary>
internal sealed class CliCluster : IAsyncDisposable
{
    public const string V1 = "example/app:v1";
    public const string V2 = "example/app:v2";

    private CliCluster(TestCluster cluster, ControllerHost? controller)
    {
        Cluster = cluster;
        Controller = controller;
        Cli = new CliRun(cluster.Emulator);
    }

    public TestCluster Cluster { get; }

    public ControllerHost? Controller { get; }

    public CliRun Cli { get; }

    public static async Task<CliCluster> StartAsync(TimeProvider? controllerClock = null, bool controller = true)
    {
        var cluster = await TestCluster.StartAsync();
        try
        {
            return new CliCluster(cluster, controller ? await ControllerHost.StartAsync(cluster.Emulator, controllerClock) : null);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Deployment <c>app</c> (2 replicas of v1) under Rollout <c>rollout-app</c> with the given steps, idle and Healthy.</summary>
    public async Task ApplyAppAsync(string steps = "      - pause: {}\n        replicas: 1\n")
    {
        await Cluster.ApplyAppAsync("app", 2, V1);
        Cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app", steps));
        await Cluster.WaitForRolloutAsync("rollout-app", static r => TestCluster.Phase(r) == "Healthy", "Healthy");
        await Cluster.WaitForIdleAsync("app");
    }

    public Task<CliResult> RunAsync(params string[] args) => Cli.RunAsync(args);

    public async ValueTask DisposeAsync()
    {
        Cli.Dispose();
        if (Controller is not null)
        {
            await Controller.DisposeAsync();
        }

        await Cluster.DisposeAsync();
    }
}
