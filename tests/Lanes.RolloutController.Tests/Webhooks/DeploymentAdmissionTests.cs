using System.Text.Json.Nodes;
using k8s.Models;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Webhooks;

namespace Lanes.RolloutController.Tests.Webhooks;

/// <summary>Kruise's Deployment rules (workload_update_handler.go handleDeployment), case by case.</summary>
public sealed class DeploymentAdmissionTests
{
    private const string V1 = "example/app:v1";
    private const string V2 = "example/app:v2";

    [Fact]
    public void TemplateChange_HoldsTheDeployment_WithKruiseFields()
    {
        var patch = DeploymentAdmission.Mutate(Deployment(V1), Deployment(V2), Rollout(), [ReplicaSet("rs-1", "hash-1", 2, V1)]);

        var after = Apply(Deployment(V2), patch);
        Assert.True(after["spec"]!["paused"]!.GetValue<bool>());
        Assert.Equal("""{"rolloutName":"rollout-app"}""", after["metadata"]!["annotations"]![KruiseNames.InProgressingAnnotation]!.GetValue<string>());
        Assert.Equal("hash-1", after["metadata"]!["labels"]![KruiseNames.StableRevisionLabel]!.GetValue<string>());
        Assert.Equal("deployment", after["metadata"]!["labels"]![KruiseNames.WorkloadTypeLabel]!.GetValue<string>());
    }

    [Fact]
    public void TemplateChange_OnADeploymentWithoutAnnotations_CreatesTheMap()
    {
        var fresh = Deployment(V2);
        ((JsonObject)fresh["metadata"]!).Remove("annotations");
        var after = Apply(fresh, DeploymentAdmission.Mutate(Deployment(V1), fresh, Rollout(), [ReplicaSet("rs-1", "hash-1", 2, V1)]));
        Assert.NotNull(after["metadata"]!["annotations"]![KruiseNames.InProgressingAnnotation]);
    }

    public static TheoryData<string, bool> NoHoldCases => new()
    {
        { "no Rollout", false },
        { "scaled to zero", false },
        { "only the pod-template-hash label changed", false },
        { "only replicas changed", false },
        { "traffic routing with two active ReplicaSets", false },
        { "no active ReplicaSet", false },
        { "same rollout-id annotation with a new template", false },
        { "new rollout-id annotation with the same template", true },
    };

    [Theory]
    [MemberData(nameof(NoHoldCases))]
    public void Rules(string situation, bool holds)
    {
        var old = Deployment(V1);
        var next = Deployment(V2);
        var rollout = Rollout();
        List<V1ReplicaSet> replicaSets = [ReplicaSet("rs-1", "hash-1", 2, V1)];
        switch (situation)
        {
            case "no Rollout":
                rollout = null;
                break;
            case "scaled to zero":
                next["spec"]!["replicas"] = 0;
                break;
            case "only the pod-template-hash label changed":
                next = Deployment(V1);
                next["spec"]!["template"]!["metadata"]!["labels"]!["pod-template-hash"] = "other";
                break;
            case "only replicas changed":
                next = Deployment(V1);
                next["spec"]!["replicas"] = 5;
                break;
            case "traffic routing with two active ReplicaSets":
                rollout!.Spec.Strategy.Canary!.TrafficRoutings = [new TrafficRoutingRef { Service = "app", Ingress = new IngressTrafficRouting { Name = "app" } }];
                replicaSets.Add(ReplicaSet("rs-0", "hash-0", 1, "example/app:v0"));
                break;
            case "no active ReplicaSet":
                replicaSets = [ReplicaSet("rs-1", "hash-1", 0, V1)];
                break;
            case "same rollout-id annotation with a new template":
                old["metadata"]!["annotations"]![KruiseNames.RolloutIdLabel] = "r1";
                next["metadata"]!["annotations"]![KruiseNames.RolloutIdLabel] = "r1";
                break;
            case "new rollout-id annotation with the same template":
                next = Deployment(V1);
                old["metadata"]!["annotations"]![KruiseNames.RolloutIdLabel] = "r1";
                next["metadata"]!["annotations"]![KruiseNames.RolloutIdLabel] = "r2";
                break;
        }

        var patch = DeploymentAdmission.Mutate(old, next, rollout, replicaSets);
        Assert.Equal(holds, patch is { Count: > 0 });
    }

    [Fact]
    public void DuringARelease_AnyUpdateKeepsItPaused_AndRecreateIsRefused()
    {
        var held = Deployment(V2);
        held["metadata"]!["annotations"]![KruiseNames.InProgressingAnnotation] = """{"rolloutName":"rollout-app"}""";
        var next = (JsonObject)held.DeepClone();
        next["spec"]!["paused"] = false;
        next["spec"]!["strategy"] = new JsonObject { ["type"] = "Recreate" };

        var after = Apply(next, DeploymentAdmission.Mutate(held, next, Rollout(), []));

        Assert.True(after["spec"]!["paused"]!.GetValue<bool>());
        Assert.Equal("RollingUpdate", after["spec"]!["strategy"]!["type"]!.GetValue<string>());
    }

    private static JsonObject Apply(JsonObject target, JsonArray? patch) =>
        (JsonObject)Lanes.Kubernetes.Emulator.JsonPatching.ApplyJsonPatch(target, patch ?? [])!;

    internal static JsonObject Deployment(string image) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject
        {
            ["name"] = "app",
            ["namespace"] = "default",
            ["uid"] = "uid-app",
            ["labels"] = new JsonObject { [KruiseNames.WorkloadTypeLabel] = "deployment" },
            ["annotations"] = new JsonObject(),
        },
        ["spec"] = new JsonObject
        {
            ["replicas"] = 2,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "app" } },
            ["strategy"] = new JsonObject { ["type"] = "RollingUpdate" },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "app" } },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = image }) },
            },
        },
    };

    private static V1ReplicaSet ReplicaSet(string name, string hash, int replicas, string image) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Labels = new Dictionary<string, string> { ["app"] = "app", ["pod-template-hash"] = hash },
            OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "app", Uid = "uid-app", Controller = true }],
        },
        Spec = new V1ReplicaSetSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector(),
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "app", ["pod-template-hash"] = hash } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = image }] },
            },
        },
    };

    private static Rollout Rollout() => new()
    {
        Metadata = new V1ObjectMeta { Name = "rollout-app", NamespaceProperty = "default" },
        Spec = new RolloutSpec
        {
            WorkloadRef = new WorkloadRef { ApiVersion = "apps/v1", Kind = "Deployment", Name = "app" },
            Strategy = new RolloutStrategy { Canary = new CanaryStrategy { Steps = [new CanaryStep { Replicas = IntOrPercent.FromInt(1) }] } },
        },
    };
}
