using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Tests.TestSupport;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Lanes.RolloutController.Tests.Cluster;

/// <summary>AnalysisTemplates come from a watch: a template created or fixed under a waiting Rollout wakes it.</summary>
public sealed class AnalysisTemplateWatchTests
{
    [Fact]
    public async Task TemplateCreatedWhileTheStepWaits_WakesTheRollout_WithoutItsRetry()
    {
        using var prometheus = WireMockServer.Start();
        prometheus.Given(Request.Create().WithPath("/api/v1/query").UsingGet()).RespondWith(Response.Create()
            .WithHeader("Content-Type", "application/json")
            .WithBody("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.1,"0.001"]}]}}"""));
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 2, "example/app:v1");
        cluster.Apply("""
            apiVersion: rollouts.kruise.io/v1beta1
            kind: Rollout
            metadata:
              name: rollout-app
              annotations:
                lanes.dev/analysis: error-share
            spec:
              workloadRef:
                apiVersion: apps/v1
                kind: Deployment
                name: app
              strategy:
                canary:
                  enableExtraWorkloadForCanary: true
                  steps:
                  - replicas: 1
                    pause: {}
                  - replicas: 100%
            """);

        // The missing template's step looks again only after 3 × RetryDelay (3 minutes here); without the template
        // watch this test times out (checked).
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator, settings: new Dictionary<string, string?> { ["Lanes:RolloutController:RetryDelay"] = "00:01:00" }, log: ControllerLog.For(cluster.Emulator));
        await cluster.WaitForRolloutAsync("rollout-app", r => TestCluster.Phase(r) == RolloutPhases.Healthy, "Healthy");
        await cluster.SetImageAsync("app", "example/app:v2");
        await cluster.WaitForRolloutAsync(
            "rollout-app",
            r => TestCluster.Message(r)?.Contains("AnalysisTemplate error-share not found in namespace default", StringComparison.Ordinal) == true,
            "the step to wait, naming the missing template");

        // Let the canary's own events (its pods becoming ready) pass, so what wakes the Rollout next is the template.
        await Eventually.WaitAsync(
            () => cluster.Canaries("app") is [var canary] && JsonNumbers.ReadInt(canary["status"]?["availableReplicas"]) == 1 &&
                ControllerLog.For(cluster.Emulator).Lines.LastOrDefault(static l => l.Contains("RolloutReconciler", StringComparison.Ordinal))?.Contains("not found", StringComparison.Ordinal) == true,
            "the canary to be ready with the step waiting for its template");

        cluster.Emulator.ApplyManifests($$"""
            apiVersion: lanes.dev/v1alpha1
            kind: AnalysisTemplate
            metadata:
              name: error-share
            spec:
              metrics:
              - name: error-share
                interval: 1s
                count: 1
                successCondition: result[0] < 0.05
                provider:
                  prometheus:
                    address: {{prometheus.Url}}
                    query: sum(rate(http_server_request_duration_seconds_count{lanes_lane="gray"}[1m]))
            """);

        var paused = await cluster.WaitForStepPausedAsync("rollout-app", 1, TimeSpan.FromSeconds(20));
        var run = paused["status"]!["lanes"]!["analysis"]!.AsArray().Single()!;
        Assert.Equal("Successful", run["phase"]!.GetValue<string>());
        Assert.NotEmpty(prometheus.LogEntries);
    }
}
