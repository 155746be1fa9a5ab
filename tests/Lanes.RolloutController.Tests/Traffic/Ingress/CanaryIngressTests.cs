using k8s;
using k8s.Models;
using Lanes.RolloutController.Traffic;
using Lanes.RolloutController.Traffic.Ingress;

namespace Lanes.RolloutController.Tests.Traffic.Ingress;

public sealed class CanaryIngressTests
{
    private static readonly TrafficRoutingOwner Owner = new("rollouts.kruise.io/v1beta1", "Rollout", "rollout-a", "uid-1");

    [Fact]
    public void Build_CopiesLabelsAnnotationsClassAndTls_AndOnlyThePathsOfTheStableService()
    {
        var stable = KubernetesJson.Deserialize<V1Ingress>("""
            {"metadata":{"name":"web","namespace":"shop","labels":{"team":"a"},"annotations":{"x":"1"}},
             "spec":{"ingressClassName":"nginx","tls":[{"hosts":["shop.example"],"secretName":"tls"}],
              "rules":[
                {"host":"shop.example","http":{"paths":[
                  {"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}},
                  {"path":"/api","pathType":"Prefix","backend":{"service":{"name":"api","port":{"number":80}}}}]}},
                {"host":"other.example","http":{"paths":[
                  {"path":"/","pathType":"Prefix","backend":{"service":{"name":"other","port":{"number":80}}}}]}},
                {"host":"bare.example"}]}}
            """);
        var request = new TrafficRoutingRequest("shop", Owner, new TrafficEntry(TrafficEntryKind.Ingress, "web", "nginx", null, null, "spec.x[0]", "spec.x[0].ingress"), "web", "web-canary", new TrafficStrategy(), false);

        var canary = CanaryIngress.Build(stable, request)!;

        Assert.Equal("web-canary", canary.Metadata.Name);
        Assert.Equal("a", canary.Metadata.Labels["team"]);
        Assert.Equal("1", canary.Metadata.Annotations["x"]);
        Assert.Equal("nginx", canary.Spec.IngressClassName);
        Assert.Equal("tls", Assert.Single(canary.Spec.Tls).SecretName);
        var rule = Assert.Single(canary.Spec.Rules);
        Assert.Equal("shop.example", rule.Host);
        var path = Assert.Single(rule.Http.Paths);
        Assert.Equal(("/", "Prefix", "web-canary", 80), (path.Path, path.PathType, path.Backend.Service.Name, path.Backend.Service.Port.Number));
        var owner = Assert.Single(canary.Metadata.OwnerReferences);
        Assert.Equal(("Rollout", "rollout-a", "uid-1", true), (owner.Kind, owner.Name, owner.Uid, owner.Controller));

        // The stable Ingress itself is untouched.
        Assert.Equal("web", stable.Spec.Rules[0].Http.Paths[0].Backend.Service.Name);
    }

    [Fact]
    public void Build_WithoutARuleForTheStableService_GivesNothing()
    {
        var stable = KubernetesJson.Deserialize<V1Ingress>("""
            {"metadata":{"name":"web"},"spec":{"rules":[{"http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"api","port":{"number":80}}}}]}}]}}
            """);
        var request = new TrafficRoutingRequest("default", Owner, new TrafficEntry(TrafficEntryKind.Ingress, "web", "nginx", null, null, "spec.x[0]", "spec.x[0].ingress"), "web", "web-canary", new TrafficStrategy(), false);

        Assert.Null(CanaryIngress.Build(stable, request));
    }
}
