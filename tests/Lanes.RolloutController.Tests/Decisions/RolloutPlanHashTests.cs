using Lanes.RolloutController.Api;
using Lanes.RolloutController.Decisions;

namespace Lanes.RolloutController.Tests.Decisions;

/// <summary>
/// Kruise's <c>rollouts.kruise.io/hash</c> (rollout_status.go calculateRolloutHash). The expected JSON and hashes were
/// produced by Go 1.19's encoding/json over copies of Kruise's v1beta1 structs, sha256 and rand.SafeEncodeString.
/// </summary>
public sealed class RolloutPlanHashTests
{
    [Fact]
    public void SeedPlan_MatchesKruise()
    {
        var canary = new CanaryStrategy
        {
            Steps = [new CanaryStep { Replicas = IntOrPercent.FromInt(1), Pause = new RolloutPause() }],
            FailureThreshold = IntOrPercent.FromPercent(10), // ignored by the hash, like step pauses
            PatchPodTemplateMetadata = new PatchPodTemplateMetadata
            {
                Labels = new() { ["opensergo.io/canary-gray"] = "gray", ["alicloud.service.tag"] = "gray" },
            },
        };

        Assert.Equal("""{"steps":[{"replicas":1,"pause":{}}],"patchPodTemplateMetadata":{"labels":{"alicloud.service.tag":"gray","opensergo.io/canary-gray":"gray"}}}""", RolloutPlanHash.GoJson(canary));
        Assert.Equal("xxx852xxb77594vc7425v9947w2vzvwbvz4cxz85984bvx977c7c6z856w76v249", RolloutPlanHash.Compute(canary));

        canary.Steps[0].Pause = new RolloutPause { Duration = 60 };
        Assert.Equal("xxx852xxb77594vc7425v9947w2vzvwbvz4cxz85984bvx977c7c6z856w76v249", RolloutPlanHash.Compute(canary));
    }

    [Fact]
    public void NullListItems_HashAsGoZeroValues()
    {
        // A stored document may hold "set": [null] or "steps": [null]; Go decodes each as the struct's zero value.
        var withNulls = new CanaryStrategy
        {
            Steps = [null!, new CanaryStep { RequestHeaderModifier = new HttpHeaderFilter { Set = [null!], Remove = [null!] } }],
        };
        var withZeroValues = new CanaryStrategy
        {
            Steps = [new CanaryStep(), new CanaryStep { RequestHeaderModifier = new HttpHeaderFilter { Set = [new HttpHeader()], Remove = [""] } }],
        };

        Assert.Equal(RolloutPlanHash.GoJson(withZeroValues), RolloutPlanHash.GoJson(withNulls));
        Assert.Contains("""{"name":"","value":""}""", RolloutPlanHash.GoJson(withNulls), StringComparison.Ordinal);
    }

    [Fact]
    public void FullPlan_MatchesKruise()
    {
        var canary = new CanaryStrategy
        {
            Steps =
            [
                new CanaryStep
                {
                    Replicas = IntOrPercent.FromInt(1),
                    Matches = [new HttpRouteMatch { Headers = [new HttpValueMatch { Type = "Exact", Name = "User-Agent", Value = "xiaoming" }] }],
                    RequestHeaderModifier = new HttpHeaderFilter { Set = [new HttpHeader { Name = "x-mse-tag", Value = "gray" }] },
                },
                new CanaryStep
                {
                    Traffic = "20%",
                    Replicas = IntOrPercent.FromPercent(50),
                    Matches = [new HttpRouteMatch { Path = new HttpPathMatch { Type = "PathPrefix", Value = "/api&<x>" }, QueryParams = [new HttpValueMatch { Name = "q", Value = "1" }] }],
                },
                new CanaryStep { Replicas = IntOrPercent.FromPercent(100) },
            ],
            TrafficRoutings =
            [
                new TrafficRoutingRef { Service = "svc-a", GracePeriodSeconds = 5, Ingress = new IngressTrafficRouting { ClassType = "nginx", Name = "ing-a" } },
                new TrafficRoutingRef { Service = "svc-b", Gateway = new GatewayTrafficRouting { HttpRouteName = "route-a" }, CustomNetworkRefs = [new WorkloadRef { ApiVersion = "v1", Kind = "K", Name = "n" }] },
            ],
            PatchPodTemplateMetadata = new PatchPodTemplateMetadata { Annotations = new() { ["b"] = "2", ["a"] = "1" } },
            EnableExtraWorkloadForCanary = true,
            TrafficRoutingRef = "tr",
            DisableGenerateCanaryService = true,
        };

        Assert.Equal(
            """{"steps":[{"requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]},"matches":[{"headers":[{"type":"Exact","name":"User-Agent","value":"xiaoming"}]}],"replicas":1,"pause":{}},{"traffic":"20%","matches":[{"path":{"type":"PathPrefix","value":"/api\u0026\u003cx\u003e"},"queryParams":[{"name":"q","value":"1"}]}],"replicas":"50%","pause":{}},{"replicas":"100%","pause":{}}],"trafficRoutings":[{"service":"svc-a","gracePeriodSeconds":5,"ingress":{"classType":"nginx","name":"ing-a"}},{"service":"svc-b","gateway":{"httpRouteName":"route-a"},"customNetworkRefs":[{"apiVersion":"v1","kind":"K","name":"n"}]}],"patchPodTemplateMetadata":{"annotations":{"a":"1","b":"2"}},"enableExtraWorkloadForCanary":true,"trafficRoutingRef":"tr","disableGenerateCanaryService":true}""",
            RolloutPlanHash.GoJson(canary));
        Assert.Equal("9bzzz4w4fxcvdcwz4bzb842427zbcfd67fwx9d4846wcbv4bx47xbc2vb5zv42cw", RolloutPlanHash.Compute(canary));
    }
}
