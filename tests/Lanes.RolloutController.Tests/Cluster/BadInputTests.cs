using System.Text.Json.Nodes;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.RolloutController.Tests.Cluster;

/// <summary>Rollouts that cannot be served get a clear condition, touch no workload, and do not stop the others.</summary>
public sealed class BadInputTests
{
    [Fact]
    public async Task BadRollouts_ReportInvalidCondition_ChangeNoWorkload_AndTheGoodOneStillReleases()
    {
        await using var cluster = await TestCluster.StartAsync();
        foreach (var app in new[] { "over-app", "nosteps-app", "good-app" })
        {
            await cluster.ApplyAppAsync(app, 2, "example/" + app + ":v1");
        }

        cluster.Apply("""
            apiVersion: rollouts.kruise.io/v1beta1
            kind: Rollout
            metadata:
              name: bad-no-ref
            spec:
              strategy:
                canary:
                  enableExtraWorkloadForCanary: true
                  steps:
                  - replicas: 1
            ---
            apiVersion: rollouts.kruise.io/v1alpha1
            kind: Rollout
            metadata:
              name: bad-missing
            spec:
              objectRef:
                workloadRef:
                  apiVersion: apps/v1
                  kind: Deployment
                  name: does-not-exist
              strategy:
                canary:
                  steps:
                  - replicas: 1
            ---
            apiVersion: rollouts.kruise.io/v1alpha1
            kind: Rollout
            metadata:
              name: bad-kind
            spec:
              objectRef:
                workloadRef:
                  apiVersion: apps/v1
                  kind: StatefulSet
                  name: good-app
              strategy:
                canary:
                  steps:
                  - replicas: 1
            ---
            apiVersion: rollouts.kruise.io/v1alpha1
            kind: Rollout
            metadata:
              name: bad-over
            spec:
              objectRef:
                workloadRef:
                  apiVersion: apps/v1
                  kind: Deployment
                  name: over-app
              strategy:
                canary:
                  steps:
                  - replicas: 150%
            ---
            apiVersion: rollouts.kruise.io/v1alpha1
            kind: Rollout
            metadata:
              name: bad-nosteps
            spec:
              objectRef:
                workloadRef:
                  apiVersion: apps/v1
                  kind: Deployment
                  name: nosteps-app
              strategy:
                canary:
                  steps: []
            ---
            apiVersion: rollouts.kruise.io/v1alpha1
            kind: Rollout
            metadata:
              name: good
            spec:
              objectRef:
                workloadRef:
                  apiVersion: apps/v1
                  kind: Deployment
                  name: good-app
              strategy:
                canary:
                  steps:
                  - replicas: 1
                    pause: {}
            """);
        var before = new[] { "over-app", "nosteps-app" }.ToDictionary(static a => a, a => Snapshot(cluster.Deployment(a)!));
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);

        var expected = new Dictionary<string, (string Reason, string Message)>
        {
            ["bad-no-ref"] = ("MissingWorkloadRef", "The Rollout has no workload reference"),
            ["bad-missing"] = ("WorkloadNotFound", "Workload Not Found: Deployment does-not-exist does not exist in namespace default"),
            ["bad-kind"] = ("UnsupportedWorkload", "Workload apps/v1/StatefulSet good-app is not supported"),
            ["bad-over"] = ("InvalidSteps", "steps[0].replicas 150% is over 100%"),
            ["bad-nosteps"] = ("InvalidSteps", "The Rollout has no steps"),
        };
        foreach (var (name, (reason, message)) in expected)
        {
            var rollout = await cluster.WaitForRolloutAsync(name, r => TestCluster.Condition(r, ConditionTypes.Invalid) is not null, "the Invalid condition");
            var condition = TestCluster.Condition(rollout, ConditionTypes.Invalid)!;
            Assert.Equal("True", condition["status"]!.GetValue<string>());
            Assert.Equal(reason, condition["reason"]!.GetValue<string>());
            Assert.StartsWith(message, condition["message"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(condition["message"]!.GetValue<string>(), TestCluster.Message(rollout));
            Assert.Equal(RolloutPhases.Initial, TestCluster.Phase(rollout));
        }

        // The good Rollout is served while the bad ones sit there.
        await cluster.WaitForRolloutAsync("good", r => TestCluster.Phase(r) == RolloutPhases.Healthy && TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");
        foreach (var app in new[] { "over-app", "nosteps-app", "good-app" })
        {
            await cluster.SetImageAsync(app, "example/" + app + ":v2");
        }

        await cluster.WaitForStepPausedAsync("good", 1);
        await cluster.ApproveAsync("good");
        await cluster.WaitForCompletedAsync("good");

        foreach (var (app, snapshot) in before)
        {
            Assert.Equal(snapshot, Snapshot(cluster.Deployment(app)!));
            Assert.Empty(cluster.Canaries(app));
        }

        foreach (var name in expected.Keys)
        {
            Assert.Null(cluster.Rollout(name)!["metadata"]!["finalizers"]);
        }
    }

    // What the controller would change: paused, its labels and annotations.
    // What the controller could have changed; the revision annotations are kube-controller-manager's, which rolls the
    // image change of an ungoverned Deployment out natively.
    private static string Snapshot(JsonObject deployment) =>
        $"{deployment["spec"]?["paused"]}|{deployment["metadata"]?["labels"]?.ToJsonString()}|" +
        string.Join(",", (deployment["metadata"]?["annotations"] as JsonObject ?? []).Where(static a => !a.Key.StartsWith("deployment.kubernetes.io/", StringComparison.Ordinal)).Select(static a => a.Key + "=" + a.Value));
}
