using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Tests.TestSupport;
using Xunit.Abstractions;

namespace Lanes.RolloutController.Tests.Cluster;

/// <summary>
/// A release through an API server that fails the controller at random: 409s on writes, 500s, slow answers and
/// dropped watches, with the controller restarted at every step of the release. It must finish the release correctly,
/// and no pass may ever delete the stable Deployment or scale it down.
/// </summary>
public sealed class ControllerFaultTests(ITestOutputHelper output)
{
    private const string V1 = "example/app:v1";
    private const string V2 = "example/app:v2";
    private const int StableReplicas = 3;

    [Theory]
    [InlineData(20261126)]
    [InlineData(7)]
    public async Task Release_ThroughFaultsAndARestartAtEveryStep_FinishesCorrectly_NeverShrinkingOrDeletingTheStable(int seed)
    {
        var random = new Random(seed);
        var injecting = false;
        var faults = new ConcurrentDictionary<string, int>();
        var options = new EmulatorOptions
        {
            Faults = request =>
            {
                if (!Volatile.Read(ref injecting))
                {
                    return null;
                }

                ApiFault? fault;
                lock (random)
                {
                    var roll = random.NextDouble();
                    fault = roll switch
                    {
                        // 409 Conflict is what a real server answers to updates and patches (a stale resourceVersion, an
                        // exhausted server-side retry); creates and deletes answer it only for reasons of their own.
                        < 0.3 when request.Verb is "update" or "patch" => ApiFault.Conflict,
                        < 0.4 => ApiFault.InternalError,
                        < 0.5 => ApiFault.Slow(TimeSpan.FromMilliseconds(random.Next(50, 400))),
                        _ => null,
                    };
                }

                if (fault is not null)
                {
                    faults.AddOrUpdate(fault.Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "slow", 1, static (_, n) => n + 1);
                }

                return fault;
            },
        };
        await using var cluster = await TestCluster.StartAsync(options);
        await cluster.ApplyAppAsync("app", StableReplicas, V1);
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app", steps: "      - pause: {}\n        replicas: 1\n      - pause: {}\n        replicas: 50%\n"));

        // Everything the stable Deployment goes through, as the API server stores it.
        var violations = new ConcurrentQueue<string>();
        cluster.Store.Changed += change =>
        {
            if (change.Key is not { Name: "app" } || change.Key.Type != ResourceType.Deployments)
            {
                return;
            }

            var replicas = JsonNumbers.ReadInt(change.Object["spec"]?["replicas"]) ?? 1;
            if (change.Type == "DELETED" || change.Object["metadata"]?["deletionTimestamp"] is not null)
            {
                violations.Enqueue($"the stable Deployment was deleted (resourceVersion {change.ResourceVersion})");
            }
            else if (replicas < StableReplicas)
            {
                violations.Enqueue($"the stable Deployment was scaled down to {replicas} (resourceVersion {change.ResourceVersion})");
            }
        };

        // This API server fails 40 % of requests on purpose; the default 5-minute backoff ceiling would outlast the test.
        var settings = new Dictionary<string, string?> { ["Lanes:RolloutController:MaxRetryDelay"] = "00:00:02" };
        var log = new ControllerLog();
        var controller = await ControllerHost.StartAsync(cluster.Emulator, settings: settings, log: log);
        try
        {
            await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.State(r) == CanaryStepStates.Completed && TestCluster.Phase(r) == RolloutPhases.Healthy, "Healthy");

            // The user's image change goes through the API (so the controller's admission webhook holds it) before
            // the faults start: they are aimed at the controller, not at the user's kubectl.
            await cluster.SetImageAsync("app", V2);
            Volatile.Write(ref injecting, true);
            using var dropping = new CancellationTokenSource();
            var drops = DropWatchesAsync(cluster, dropping.Token);
            var restarts = 0;
            var approvals = 0;
            (string?, int?, string?) seen = default;
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                Assert.True(DateTime.UtcNow < deadline, $"the release did not finish: {cluster.Describe("rollout-app")}; faults {Describe(faults)}");
                var rollout = cluster.Rollout("rollout-app");
                var step = (TestCluster.Phase(rollout), TestCluster.Step(rollout), TestCluster.State(rollout));
                if (Done(rollout, cluster))
                {
                    break;
                }

                if (step != seen)
                {
                    // A new step: the controller is stopped and a fresh one must carry on from what is stored.
                    seen = step;
                    var stopping = clock.Elapsed;
                    await controller.DisposeAsync();
                    var starting = clock.Elapsed;
                    controller = await ControllerHost.StartAsync(cluster.Emulator, settings: settings, log: log, waitForWebhooks: false);
                    restarts++;
                    output.WriteLine($"{stopping.TotalSeconds:F1} s: restart {restarts} at {step} (stop {(starting - stopping).TotalSeconds:F1} s, start {(clock.Elapsed - starting).TotalSeconds:F1} s)");
                }

                if (step.Item3 == CanaryStepStates.StepPaused)
                {
                    // Approve as kubectl-kruise does: a status write (made on the store, so no fault hits it).
                    cluster.Patch(ResourceType.Rollouts, "rollout-app", static r =>
                    {
                        r["status"]!["canaryStatus"]!["currentStepState"] = CanaryStepStates.StepReady;
                        return true;
                    }, statusOnly: true);
                    approvals++;
                }

                await Task.Delay(50);
            }

            await dropping.CancelAsync();
            var dropped = await drops;
            output.WriteLine($"restarts {restarts}, approvals {approvals}, watch drops {dropped}, faults {Describe(faults)}, conflicts {cluster.Store.ConflictCount}");

            var done = cluster.Rollout("rollout-app")!;
            Assert.True("True" == TestCluster.Condition(done, ConditionTypes.Succeeded)!["status"]!.GetValue<string>(), cluster.Describe("rollout-app"));
            Assert.Equal(V2, TestCluster.Image(cluster.Deployment("app")!));
            Assert.Empty(cluster.Canaries("app"));
            Assert.True(restarts >= 4, $"the controller was restarted at every step ({restarts} restarts)");
            Assert.True(faults.Values.Sum() > 20, $"faults were injected: {Describe(faults)}");
            Assert.Empty(violations);
        }
        catch
        {
            // What the controllers did, to tell why the release did not finish.
            log.WriteTo(output);
            throw;
        }
        finally
        {
            Volatile.Write(ref injecting, false);
            await controller.DisposeAsync();
        }
    }

    private static bool Done(JsonObject? rollout, TestCluster cluster) =>
        TestCluster.Phase(rollout) == RolloutPhases.Healthy
        && TestCluster.State(rollout) == CanaryStepStates.Completed
        && TestCluster.Condition(rollout, ConditionTypes.Succeeded) is not null
        && cluster.Deployment("app") is { } stable && TestCluster.Image(stable) == V2
        && cluster.Canaries("app").Count == 0
        && cluster.Pods("app") is { Count: StableReplicas } pods
        && pods.All(static p => p["spec"]!["containers"]![0]!["image"]!.GetValue<string>() == V2);

    private static async Task<int> DropWatchesAsync(TestCluster cluster, CancellationToken cancellationToken)
    {
        var dropped = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(700, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            dropped += cluster.Store.DropWatches();
        }

        return dropped;
    }

    private static string Describe(ConcurrentDictionary<string, int> faults) =>
        string.Join(", ", faults.OrderBy(static f => f.Key, StringComparer.Ordinal).Select(static f => $"{f.Key}: {f.Value}"));
}
