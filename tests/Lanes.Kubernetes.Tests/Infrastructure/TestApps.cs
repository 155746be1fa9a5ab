using System.Text.Json.Nodes;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.Kubernetes.Tests.Infrastructure;

/// <summary>Deployments and Services in the emulator, shaped as the samples' are.</summary>
internal static class TestApps
{
    public static void Deploy(KubernetesEmulator emulator, string app, int replicas, string? lane = null, string ns = "default")
    {
        var labels = new JsonObject { ["app"] = app };
        if (lane is not null)
        {
            labels["alicloud.service.tag"] = lane;
            labels["opensergo.io/canary-" + lane] = lane;
        }

        emulator.Apply(ResourceType.Deployments, new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = lane is null ? app : $"{app}-{lane}" },
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["selector"] = new JsonObject { ["matchLabels"] = labels.DeepClone() },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = labels },
                    ["spec"] = new JsonObject
                    {
                        ["containers"] = new JsonArray(new JsonObject
                        {
                            ["name"] = "main",
                            ["image"] = "example/app:v1",
                            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["containerPort"] = 8080 }, new JsonObject { ["name"] = "grpc", ["containerPort"] = 9090 }),
                        }),
                    },
                },
            },
        }, ns);
    }

    public static void Service(KubernetesEmulator emulator, string name, string ns = "default", params (string Name, int Port)[] ports)
    {
        var list = new JsonArray();
        foreach (var (portName, port) in ports.Length == 0 ? [("http", 8080)] : ports)
        {
            list.Add(new JsonObject { ["name"] = portName, ["port"] = port, ["targetPort"] = port, ["protocol"] = "TCP" });
        }

        emulator.Apply(ResourceType.Services, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["selector"] = new JsonObject { ["app"] = name }, ["ports"] = list },
        }, ns);
    }

    /// <summary>The ready endpoint addresses the emulator's EndpointSlice controller lists for a Service.</summary>
    public static IReadOnlyList<string> ReadyAddresses(KubernetesEmulator emulator, string service, string ns = "default") =>
        [.. emulator.Store.List(ResourceType.EndpointSlices, ns, LabelSelector.Parse("kubernetes.io/service-name=" + service)).Items
            .SelectMany(static s => s["endpoints"] as JsonArray ?? [])
            .Where(static e => e?["conditions"]?["ready"]?.GetValue<bool>() == true)
            .Select(static e => e!["addresses"]![0]!.GetValue<string>())
            .Order(StringComparer.Ordinal)];

    public static Task WaitForReadyEndpointsAsync(KubernetesEmulator emulator, string service, int count, string ns = "default") =>
        Eventually.WaitAsync(() => ReadyAddresses(emulator, service, ns).Count == count, $"{count} ready endpoints of {ns}/{service}");

    public static IReadOnlyList<JsonObject> Pods(KubernetesEmulator emulator, string app, string ns = "default") =>
        emulator.Store.List(ResourceType.Pods, ns, LabelSelector.Parse("app=" + app)).Items;
}
