using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// kube-controller-manager's EndpointSlice controller for Services with a selector: the pods the selector matches
/// that have an address become endpoints (<c>ready</c>: ready and not terminating, <c>serving</c>: ready,
/// <c>terminating</c>: being deleted; <c>targetRef</c> to the pod), in slices of at most 100 labelled
/// <c>kubernetes.io/service-name</c>, owned by the Service (so they go with it), with the Service's ports resolved to
/// the pods' target ports (a named target port through the pod's container ports). A Service without pods keeps one
/// empty slice. Slices without the controller's managed-by label are left to whoever wrote them.
/// </summary>
internal sealed class EndpointSliceController(ResourceStore store)
{
    public const int MaxEndpointsPerSlice = 100;
    public const string ManagedByLabel = "endpointslice.kubernetes.io/managed-by";
    public const string ManagedBy = "endpointslice-controller.k8s.io";
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    public void SimulateOnce()
    {
        var services = store.List(ResourceType.Services, null).Items;
        if (services.Count == 0)
        {
            return;
        }

        var pods = store.List(ResourceType.Pods, null).Items;
        foreach (var service in services)
        {
            if (service["spec"]?["selector"] is JsonObject { Count: > 0 } selector && service["metadata"]?["deletionTimestamp"] is null)
            {
                Reconcile(service, selector, pods);
            }
        }
    }

    private void Reconcile(JsonObject service, JsonObject selector, IReadOnlyList<JsonObject> allPods)
    {
        var ns = Metadata(service, "namespace");
        var name = Metadata(service, "name");
        var publishNotReady = service["spec"]?["publishNotReadyAddresses"]?.GetValue<bool>() ?? false;
        var servicePorts = service["spec"]?["ports"] as JsonArray ?? [];

        // Pods whose target ports resolve alike share slices, as the real controller groups them.
        var groups = new SortedDictionary<string, (JsonArray Ports, List<JsonObject> Endpoints)>(StringComparer.Ordinal);
        foreach (var pod in allPods.Where(p => Metadata(p, "namespace") == ns && Matches(selector, p)).OrderBy(static p => Metadata(p, "name"), StringComparer.Ordinal))
        {
            var address = pod["status"]?["podIP"]?.GetValue<string>();
            var phase = pod["status"]?["phase"]?.GetValue<string>();
            if (address is null || phase is "Succeeded" or "Failed")
            {
                continue;
            }

            var ports = ResolvePorts(servicePorts, pod);
            var groupKey = ports.ToJsonString();
            if (!groups.TryGetValue(groupKey, out var group))
            {
                group = (ports, []);
                groups[groupKey] = group;
            }

            var podReady = Kubelet.IsReady(pod);
            var terminating = pod["metadata"]?["deletionTimestamp"] is not null;
            group.Endpoints.Add(new JsonObject
            {
                ["addresses"] = new JsonArray(address),
                ["conditions"] = new JsonObject
                {
                    ["ready"] = publishNotReady || (podReady && !terminating),
                    ["serving"] = podReady,
                    ["terminating"] = terminating,
                },
                ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = ns, ["name"] = Metadata(pod, "name"), ["uid"] = Metadata(pod, "uid") },
                ["nodeName"] = "emulated-node",
            });
        }

        var desired = new List<(JsonArray Ports, JsonArray Endpoints)>();
        foreach (var (ports, endpoints) in groups.Values)
        {
            for (var i = 0; i < endpoints.Count; i += MaxEndpointsPerSlice)
            {
                desired.Add(((JsonArray)ports.DeepClone(), new JsonArray([.. endpoints.Skip(i).Take(MaxEndpointsPerSlice)])));
            }
        }

        if (desired.Count == 0)
        {
            desired.Add((new JsonArray(), new JsonArray()));   // the placeholder slice of a Service with no endpoints
        }

        var existing = store.List(ResourceType.EndpointSlices, ns, LabelSelector.Parse($"{ServiceNameLabel}={name},{ManagedByLabel}={ManagedBy}")).Items;
        for (var i = 0; i < desired.Count; i++)
        {
            var (ports, endpoints) = desired[i];
            if (i < existing.Count)
            {
                var current = existing[i];
                if (!JsonNode.DeepEquals(current["endpoints"], endpoints) || !JsonNode.DeepEquals(current["ports"], ports) || current["addressType"]?.GetValue<string>() != "IPv4")
                {
                    store.Mutate(new StoredObjectKey(ResourceType.EndpointSlices, ns, Metadata(current, "name")), s =>
                    {
                        s["addressType"] = "IPv4";
                        s["endpoints"] = endpoints.DeepClone();
                        s["ports"] = ports.DeepClone();
                        return true;
                    });
                }
            }
            else
            {
                store.Create(ResourceType.EndpointSlices, ns, NewSlice(service, name, ports, endpoints));
            }
        }

        foreach (var surplus in existing.Skip(desired.Count))
        {
            try
            {
                store.Delete(new StoredObjectKey(ResourceType.EndpointSlices, ns, Metadata(surplus, "name")));
            }
            catch (ApiException)
            {
                // Already gone.
            }
        }
    }

    private static JsonArray ResolvePorts(JsonArray servicePorts, JsonObject pod)
    {
        var result = new JsonArray();
        foreach (var port in servicePorts.OfType<JsonObject>())
        {
            int? number = port["targetPort"] switch
            {
                null => JsonNumbers.ReadInt(port["port"]),
                JsonValue value when value.TryGetValue<string>(out var portName) && !int.TryParse(portName, out _) => ContainerPort(pod, portName),
                var value => JsonNumbers.ReadInt(value),
            };
            if (number is null)
            {
                continue;   // a named target port this pod does not declare
            }

            result.Add(new JsonObject
            {
                ["name"] = port["name"]?.GetValue<string>() ?? string.Empty,
                ["port"] = number.Value,
                ["protocol"] = port["protocol"]?.GetValue<string>() ?? "TCP",
            });
        }

        return result;
    }

    private static int? ContainerPort(JsonObject pod, string name) =>
        (pod["spec"]?["containers"] as JsonArray ?? [])
            .SelectMany(static c => c?["ports"] as JsonArray ?? [])
            .Where(p => p?["name"]?.GetValue<string>() == name)
            .Select(static p => JsonNumbers.ReadInt(p!["containerPort"]))
            .FirstOrDefault();

    private static JsonObject NewSlice(JsonObject service, string name, JsonArray ports, JsonArray endpoints)
    {
        var labels = service["metadata"]?["labels"]?.DeepClone() as JsonObject ?? [];
        labels[ServiceNameLabel] = name;
        labels[ManagedByLabel] = ManagedBy;
        return new JsonObject
        {
            ["apiVersion"] = "discovery.k8s.io/v1",
            ["kind"] = "EndpointSlice",
            ["metadata"] = new JsonObject
            {
                ["generateName"] = name + "-",
                ["labels"] = labels,
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "Service",
                    ["name"] = name,
                    ["uid"] = Metadata(service, "uid"),
                    ["controller"] = true,
                    ["blockOwnerDeletion"] = true,
                }),
            },
            ["addressType"] = "IPv4",
            ["endpoints"] = endpoints.DeepClone(),
            ["ports"] = ports.DeepClone(),
        };
    }

    private static bool Matches(JsonObject selector, JsonObject pod)
    {
        var labels = pod["metadata"]?["labels"] as JsonObject;
        foreach (var (key, value) in selector)
        {
            if (labels?[key]?.GetValue<string>() != value?.GetValue<string>())
            {
                return false;
            }
        }

        return true;
    }

    private static string Metadata(JsonObject obj, string field) => obj["metadata"]?[field]?.GetValue<string>() ?? "";
}
