using System.Text.Json;
using System.Text.Json.Nodes;
using Lanes.Kubernetes.Emulator;
using YamlDotNet.Serialization;

namespace Lanes.RolloutController.Tests.TestSupport;

/// <summary>Loads Kubernetes YAML (the seed's files, unchanged) into emulator objects.</summary>
internal static class Manifests
{
    public static IReadOnlyList<(ResourceType Type, JsonObject Object)> Load(string yaml)
    {
        var deserializer = new DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build();
        var result = new List<(ResourceType, JsonObject)>();
        foreach (var document in yaml.Split("\n---", StringSplitOptions.RemoveEmptyEntries))
        {
            var value = deserializer.Deserialize<object>(document);
            if (value is null)
            {
                continue;
            }

            var json = (JsonObject)JsonSerializer.SerializeToNode(Normalize(value))!;
            result.Add((TypeOf(json["kind"]!.GetValue<string>()), json));
        }

        return result;
    }

    public static IReadOnlyList<(ResourceType Type, JsonObject Object)> LoadFile(string name) =>
        Load(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Seed", name)));

    public static ResourceType TypeOf(string kind) => kind switch
    {
        "Deployment" => ResourceType.Deployments,
        "Service" => ResourceType.Services,
        "ConfigMap" => ResourceType.ConfigMaps,
        "Ingress" => ResourceType.Ingresses,
        "HTTPRoute" => ResourceType.HttpRoutes,
        "Rollout" => ResourceType.Rollouts,
        "TrafficRouting" => ResourceType.TrafficRoutings,
        "StatefulSet" => new ResourceType("apps", "statefulsets"),
        "CustomResourceDefinition" => new ResourceType("apiextensions.k8s.io", "customresourcedefinitions"),
        _ => throw new ArgumentException("unknown kind " + kind),
    };

    private static object? Normalize(object? value) => value switch
    {
        IDictionary<object, object> map => map.ToDictionary(static p => p.Key.ToString()!, static p => Normalize(p.Value)),
        IList<object> list => list.Select(Normalize).ToList(),
        _ => value,
    };
}
