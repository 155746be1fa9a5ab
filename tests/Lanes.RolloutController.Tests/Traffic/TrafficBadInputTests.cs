using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Tests.TestSupport;
using static Lanes.RolloutController.Tests.Traffic.TrafficFailureTests;

namespace Lanes.RolloutController.Tests.Traffic;

/// <summary>
/// Bad traffic routing input gets a condition naming the object and the field, nothing is modified, and the
/// controller keeps serving every other Rollout.
/// </summary>
public sealed class TrafficBadInputTests
{
    [Fact]
    public async Task BadTrafficRoutings_AreNamedByObjectAndField_ModifyNothing_AndAGoodRolloutStillReleases()
    {
        await using var cluster = await TestCluster.StartAsync();
        foreach (var app in new[] { "noentry", "nolane", "norule", "ownnoentry", "good" })
        {
            await cluster.ApplyAppAsync(app, 2, $"example/{app}:v1");
            cluster.Apply(TestCluster.ServiceAndIngress(app).Split("---")[0]);
        }

        cluster.Apply("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: lanes-entry-entry
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              name: norule
            spec:
              rules:
              - http:
                  paths:
                  - path: /
                    pathType: Prefix
                    backend:
                      service:
                        name: somebody-else
                        port:
                          number: 80
            ---
            apiVersion: rollouts.kruise.io/v1alpha1
            kind: TrafficRouting
            metadata:
              name: tr-noentry
            spec:
              objectRef:
              - service: noentry
              strategy:
                matches:
                - headers:
                  - name: User-Agent
                    value: xiaoming
            ---
            apiVersion: rollouts.kruise.io/v1alpha1
            kind: TrafficRouting
            metadata:
              name: tr-nolane
            spec:
              objectRef:
              - service: nolane
                ingress:
                  classType: lanes
                  name: entry
              strategy:
                matches:
                - headers:
                  - name: User-Agent
                    value: xiaoming
                requestHeaderModifier:
                  set:
                  - name: x-user
                    value: xiaoming
            ---
            apiVersion: rollouts.kruise.io/v1alpha1
            kind: TrafficRouting
            metadata:
              name: tr-norule
            spec:
              objectRef:
              - service: norule
                ingress:
                  classType: nginx
                  name: norule
              strategy:
                weight: 10
            ---
            apiVersion: rollouts.kruise.io/v1beta1
            kind: Rollout
            metadata:
              name: rollout-ownnoentry
            spec:
              workloadRef:
                apiVersion: apps/v1
                kind: Deployment
                name: ownnoentry
              strategy:
                canary:
                  enableExtraWorkloadForCanary: true
                  trafficRoutings:
                  - service: ownnoentry
                  steps:
                  - replicas: 1
                    traffic: 10%
            """);
        foreach (var app in new[] { "noentry", "nolane", "norule" })
        {
            cluster.Apply(SharedRollout(app));
        }

        cluster.Apply(TestCluster.SeedStyleRollout("rollout-good", "good", classType: "lanes", entry: "entry").Split("---", 3)[2]);
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);

        var expected = new Dictionary<string, (string Reason, string Text)>
        {
            ["noentry"] = ("InvalidTrafficRouting", "TrafficRouting default/tr-noentry: spec.objectRef[0] sets neither ingress, gateway nor customNetworkRefs"),
            ["nolane"] = ("InvalidTrafficRouting", "TrafficRouting default/tr-nolane: spec.strategy.requestHeaderModifier.set never sets the lane header x-mse-tag"),
            ["norule"] = ("InvalidEntry", "Ingress default/norule has no rule for Service norule (spec.rules[].http.paths[].backend.service.name), which TrafficRouting default/tr-norule names in spec.objectRef[0].service"),
        };
        foreach (var (app, (reason, text)) in expected)
        {
            var tr = await Eventually.WaitAsync(() => cluster.TrafficRouting("tr-" + app), t => Ready(t)?["reason"]?.GetValue<string>() == reason, $"tr-{app} to report {reason}");
            Assert.Equal("Initial", tr["status"]!["phase"]!.GetValue<string>());
            Assert.Contains(text, tr["status"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
            await AssertWarningAsync(cluster, "tr-" + app, reason, text);
        }

        var own = await cluster.WaitForRolloutAsync("rollout-ownnoentry", static r => TestCluster.Condition(r, ConditionTypes.Invalid) is not null, "the Invalid condition");
        Assert.Equal("InvalidTrafficRouting", TestCluster.Condition(own, ConditionTypes.Invalid)!["reason"]!.GetValue<string>());
        Assert.Contains("Rollout default/rollout-ownnoentry: spec.strategy.canary.trafficRoutings[0] sets neither ingress, gateway nor customNetworkRefs", TestCluster.Message(own), StringComparison.Ordinal);

        // A Rollout takes its workload only once it has labelled it for the webhook (then it reports Healthy);
        // a new template written before that rolls out natively, as under Kruise, and is not what this test is about.
        foreach (var app in new[] { "noentry", "nolane", "norule", "good" })
        {
            await cluster.WaitForRolloutAsync("rollout-" + app, static r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");
        }

        foreach (var app in new[] { "noentry", "nolane", "norule", "ownnoentry", "good" })
        {
            await cluster.SetImageAsync(app, $"example/{app}:v2");
        }

        foreach (var (app, (reason, text)) in expected)
        {
            var rollout = await cluster.WaitForRolloutAsync("rollout-" + app, r => Ready(r)?["reason"]?.GetValue<string>() == reason, "the Rollout to report " + reason);
            Assert.Contains(text, TestCluster.Message(rollout), StringComparison.Ordinal);
            Assert.Equal("Initializing", TestCluster.Condition(rollout, ConditionTypes.Progressing)!["reason"]!.GetValue<string>());
            Assert.Empty(cluster.Canaries(app));
        }

        // The good one is released and approved meanwhile.
        await cluster.WaitForStepPausedAsync("rollout-good", 1);
        Assert.Equal(["lane-traffic.json"], TestCluster.StringMap(cluster.Get(ResourceType.ConfigMaps, "lanes-entry-entry")!["data"]).Keys);
        await cluster.ApproveAsync("rollout-good");
        await cluster.WaitForCompletedAsync("rollout-good");

        // Nothing of the bad ones was modified.
        Assert.Null(cluster.Get(ResourceType.Ingresses, "norule-canary"));
        Assert.Empty(cluster.Canaries("ownnoentry"));

        // An invalid Rollout touches nothing: its Deployment is not even labelled for the webhook.
        Assert.Null(cluster.Deployment("ownnoentry")!["metadata"]!["annotations"]?[KruiseNames.InProgressingAnnotation]);
        Assert.Null(cluster.Deployment("ownnoentry")!["metadata"]!["labels"]?[KruiseNames.WorkloadTypeLabel]);
        foreach (var app in new[] { "noentry", "nolane", "norule" })
        {
            // Held by the webhook as Kruise's would be: paused, no canary, no pod of the new version.
            Assert.True(cluster.Deployment(app)!["spec"]!["paused"]!.GetValue<bool>());
            Assert.Empty(cluster.Canaries(app));
            Assert.DoesNotContain(cluster.Pods(app), p => p["spec"]!["containers"]![0]!["image"]!.GetValue<string>() == $"example/{app}:v2");
            Assert.Equal("{\"app\":\"" + app + "\"}", cluster.Get(ResourceType.Services, app)!["spec"]!["selector"]!.ToJsonString());
        }
    }

    private static string SharedRollout(string app) => $$"""
        apiVersion: rollouts.kruise.io/v1alpha1
        kind: Rollout
        metadata:
          name: rollout-{{app}}
          annotations:
            rollouts.kruise.io/trafficrouting: tr-{{app}}
        spec:
          objectRef:
            workloadRef:
              apiVersion: apps/v1
              kind: Deployment
              name: {{app}}
          strategy:
            canary:
              steps:
              - pause: {}
                replicas: 1
        """;
}
