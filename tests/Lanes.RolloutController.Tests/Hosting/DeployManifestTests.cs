using YamlDotNet.Serialization;

namespace Lanes.RolloutController.Tests.Hosting;

/// <summary>
/// The shipped manifests parse and carry the columns the controller relies on. Their RBAC is derived from the code and
/// compared rule for rule in <see cref="Deploy.RbacFromCodeTests"/>.
/// </summary>
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

    [Fact]
    public void TrafficRoutingCrd_KeepsTheTrafficReadyCondition()
    {
        var crd = Load("crd-trafficroutings.yaml").Single();
        var version = ((List<object>)((Dictionary<object, object>)crd["spec"])["versions"]).Cast<Dictionary<object, object>>().Single();
        var schema = (Dictionary<object, object>)((Dictionary<object, object>)version["schema"])["openAPIV3Schema"];
        var status = (Dictionary<object, object>)((Dictionary<object, object>)schema["properties"])["status"];
        Assert.True(((Dictionary<object, object>)status["properties"]).ContainsKey("conditions"));
    }

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
