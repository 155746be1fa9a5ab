using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Tests.TestSupport;
using Lanes.RolloutController.Webhooks;

namespace Lanes.RolloutController.Tests.Webhooks;

/// <summary>Kruise's Rollout validation messages (rollout_create_update_handler.go), verbatim.</summary>
public sealed class RolloutAdmissionTests
{
    public static TheoryData<string, string> SpecCases => new()
    {
        { "steps: []", "Spec.Strategy.Canary.Steps: Invalid value: []: The number of Canary.Steps cannot be empty" },
        { "steps: [{pause: {}}]", "replicas cannot be empty" },
        { "steps: [{replicas: 0}]", "Spec.Strategy.Canary.Steps[0].Replicas: Invalid value: 0: replicas must be positive number, or a percentage with \"0%\" < canaryReplicas <= \"100%\"" },
        { "steps: [{replicas: '120%'}]", "Spec.Strategy.Canary.Steps[0].Replicas: Invalid value: \"120%\": replicas must be positive number, or a percentage with \"0%\" < canaryReplicas <= \"100%\"" },
        { "steps: [{replicas: 1, traffic: '0%'}]", "traffic must be percentage with \"0%\" < traffic <= \"100%\" in canary strategy" },
        { "steps: [{replicas: 3}, {replicas: 2}]", "Spec.Strategy.Canary.CanaryReplicas: Invalid value: " },
        { "steps: [{replicas: 1}]\n    trafficRoutings: [{service: a}]", "Spec.Strategy.Canary.TrafficRouting.TrafficRoutings: Invalid value: null: TrafficRoutings are not set" },
        { "steps: [{replicas: 1}]\n    trafficRoutings: [{service: a, ingress: {name: a}}, {service: b, ingress: {name: b}}]", "Rollout currently only support single TrafficRouting." },
    };

    [Theory]
    [MemberData(nameof(SpecCases))]
    public void Spec_IsRefusedWithKruiseMessage(string canary, string expected)
    {
        var message = RolloutAdmission.Validate(Rollout("r", "app", canary), null, null, []);
        Assert.NotNull(message);
        Assert.Contains(expected, message, StringComparison.Ordinal);
        if (expected == "Spec.Strategy.Canary.CanaryReplicas: Invalid value: ")
        {
            Assert.EndsWith(": Steps.CanaryReplicas must be a non decreasing sequence", message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AValidRollout_Passes() =>
        Assert.Null(RolloutAdmission.Validate(Rollout("r", "app", "steps: [{replicas: 1, traffic: '10%'}, {replicas: '50%'}, {replicas: '100%'}]"), null, null, []));

    [Fact]
    public void ASecondRolloutForAWorkload_IsRefused_NamingTheOther() =>
        Assert.Equal(
            "Conflict Checker: Invalid value: \"rollout-2\": This rollout conflict with Rollout(default/rollout-1), one workload only have less than one Rollout",
            RolloutAdmission.Validate(Rollout("rollout-2", "app", "steps: [{replicas: 1}]"), null, null, [Rollout("rollout-1", "app", "steps: [{replicas: 1}]")]));

    [Theory]
    [InlineData("app-2", "steps: [{replicas: 1}]", "Spec.ObjectRef: Forbidden: Rollout 'ObjectRef' field is immutable")]
    [InlineData("app", "steps: [{replicas: 1}]\n    trafficRoutings: [{service: a, ingress: {name: a}}]", "Spec.Strategy.Canary|BlueGreen.TrafficRoutings: Forbidden: Rollout 'Strategy.Canary|BlueGreen.TrafficRoutings' field is immutable")]
    [InlineData("app", "steps: [{replicas: 1}, {replicas: 2}]", "Spec.Strategy.Canary|BlueGreen: Forbidden: Amount of Rollout steps are immutable")]
    [InlineData("app", "enableExtraWorkloadForCanary: false\n    steps: [{replicas: 1}]", "Spec.Strategy.Canary|BlueGreen: Forbidden: Rollout style and enableExtraWorkloadForCanary are immutable")]
    public void WhileProgressing_TheReleaseShapeIsImmutable(string workload, string canary, string expected)
    {
        var old = Rollout("r", "app", "steps: [{replicas: 1}]");
        var next = Rollout("r", workload, canary);
        Assert.Equal(expected, RolloutAdmission.Validate(next, old, RolloutPhases.Progressing, []));
        Assert.Null(RolloutAdmission.Validate(next, old, RolloutPhases.Healthy, []));
    }

    [Fact]
    public void WhileProgressing_PausesAndReplicasMayChange() =>
        Assert.Null(RolloutAdmission.Validate(Rollout("r", "app", "steps: [{replicas: 2, pause: {duration: 10}}]"), Rollout("r", "app", "steps: [{replicas: 1}]"), RolloutPhases.Progressing, []));

    [Fact]
    public async Task ThroughTheApiServer_AConflictingRolloutIsRefused_NamingTheOther()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 1, "example/app:v1");
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(Document("rollout-1", "app", "steps: [{replicas: 1}]"), KruiseNames.Group, KruiseNames.V1Beta1, TestCluster.Ns, KruiseNames.RolloutPlural);

        var refused = await Assert.ThrowsAsync<HttpOperationException>(() =>
            cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(Document("rollout-2", "app", "steps: [{replicas: 1}]"), KruiseNames.Group, KruiseNames.V1Beta1, TestCluster.Ns, KruiseNames.RolloutPlural));

        Assert.True((HttpStatusCode)422 == refused.Response.StatusCode, refused.Response.Content);
        var status = JsonNode.Parse(refused.Response.Content)!;
        Assert.Equal(
            "admission webhook \"vrollout.rollouts.lanes.dev\" denied the request: Conflict Checker: Invalid value: \"rollout-2\": This rollout conflict with Rollout(default/rollout-1), one workload only have less than one Rollout",
            status["message"]!.GetValue<string>());
        Assert.Null(cluster.Rollout("rollout-2"));
    }

    private static Rollout Rollout(string name, string workload, string canary) => RolloutConversion.Read(Document(name, workload, canary));

    private static JsonObject Document(string name, string workload, string canary)
    {
        var (_, document) = Manifests.Load($"""
            apiVersion: rollouts.kruise.io/v1beta1
            kind: Rollout
            metadata:
              name: {name}
              namespace: default
            spec:
              workloadRef:
                apiVersion: apps/v1
                kind: Deployment
                name: {workload}
              strategy:
                canary:
                  enableExtraWorkloadForCanary: true
                  {canary.Replace("\n    ", "\n      ", StringComparison.Ordinal)}
            """)[0];
        return document;
    }
}
