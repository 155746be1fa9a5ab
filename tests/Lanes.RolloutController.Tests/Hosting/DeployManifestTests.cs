using YamlDotNet.Serialization;

namespace Lanes.RolloutController.Tests.Hosting;

/// <summary>The shipped manifests parse and carry the columns and permissions the controller relies on.</summary>
public sealed class DeployManifestTests
{
    [Theory]
    [InlineData("v1alpha1", ".status.canaryStatus.currentStepIndex")]
    [InlineData("v1beta1", ".status.currentStepIndex")]
    public void RolloutCrd_HasKruisePrinterColumns(string version, string stepPath)
    {
        var crd = Load("crd-rollouts.yaml").Single();
        var versions = (List<object>)((Dictionary<object, object>)crd["spec"])["versions"];
        var served = versions.Cast<Dictionary<object, object>>().Single(v => (string)v["name"] == version);
        var columns = ((List<object>)served["additionalPrinterColumns"]).Cast<Dictionary<object, object>>().ToList();
        Assert.Equal(["STATUS", "CANARY_STEP", "CANARY_STATE", "MESSAGE", "AGE"], columns.Select(static c => (string)c["name"]));
        Assert.Equal(stepPath, columns[1]["jsonPath"]);
        Assert.True(served.ContainsKey("subresources"));
    }

    [Theory]
    [InlineData("networking.k8s.io", "ingresses", "create,delete,get,patch")]
    [InlineData("gateway.networking.k8s.io", "httproutes", "get,update")]
    [InlineData("", "configmaps", "get,patch")]
    [InlineData("", "services", "create,delete,get,patch")]
    [InlineData("", "events", "create")]
    [InlineData("", "pods", "list,patch")]
    [InlineData("rollouts.kruise.io", "rollouts/finalizers", "update")]
    public void ControllerRbac_GrantsTheTrafficProvidersExactlyWhatTheyTouch(string group, string resource, string verbs)
    {
        var granted = ClusterRules()
            .Where(r => ((List<object>)r["apiGroups"]).Contains(group) && ((List<object>)r["resources"]).Contains(resource))
            .SelectMany(static r => ((List<object>)r["verbs"]).Cast<string>())
            .Order(StringComparer.Ordinal);
        Assert.Equal(verbs, string.Join(",", granted));
    }

    [Fact]
    public void TrafficRoutingCrd_KeepsTheTrafficReadyCondition()
    {
        var crd = Load("crd-trafficroutings.yaml").Single();
        var version = ((List<object>)((Dictionary<object, object>)crd["spec"])["versions"]).Cast<Dictionary<object, object>>().Single();
        var schema = (Dictionary<object, object>)((Dictionary<object, object>)version["schema"])["openAPIV3Schema"];
        var status = (Dictionary<object, object>)((Dictionary<object, object>)schema["properties"])["status"];
        Assert.True(((Dictionary<object, object>)status["properties"]).ContainsKey("conditions"));
    }

    [Fact]
    public void ControllerRbac_CoversEveryVerbTheExecutorUses()
    {
        var rules = ClusterRules();
        bool Allows(string resource, string verb) => rules.Any(r =>
            ((List<object>)r["resources"]).Contains(resource) && ((List<object>)r["verbs"]).Contains(verb));

        Assert.True(Allows("rollouts/status", "update"));
        Assert.True(Allows("rollouts", "patch"));
        Assert.True(Allows("trafficroutings", "update"));
        Assert.True(Allows("deployments", "create"));
        Assert.True(Allows("deployments", "delete"));
        Assert.True(Allows("replicasets", "watch"));
    }

    // The chart splits the ClusterRoles by scope (namespaced resources everywhere, cluster-scoped objects by name).
    private static List<Dictionary<object, object>> ClusterRules() => Load("controller.yaml")
        .Where(static d => (string)d["kind"] == "ClusterRole")
        .SelectMany(static role => ((List<object>)role["rules"]).Cast<Dictionary<object, object>>())
        .ToList();

    private static List<Dictionary<object, object>> Load(string file)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Lanes.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        var text = File.ReadAllText(Path.Combine(dir!.FullName, "deploy", file));
        var deserializer = new DeserializerBuilder().Build();
        return text.Split("\n---", StringSplitOptions.RemoveEmptyEntries)
            .Select(d => deserializer.Deserialize<Dictionary<object, object>>(d))
            .Where(static d => d is not null)
            .ToList();
    }
}
