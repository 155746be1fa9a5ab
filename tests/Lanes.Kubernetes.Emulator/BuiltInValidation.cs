using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// The API server's own validation and allocation for the built-in kinds the traffic providers write, as strict as
/// the real server (k8s.io/kubernetes pkg/apis/*/validation): a Service gets a cluster IP that no other Service may
/// ask for and that never changes; ConfigMap keys and size; Ingress paths; core/v1 Events; Deployment defaults and strategy; PodDisruptionBudget bounds.
/// </summary>
internal static partial class BuiltInValidation
{
    private const int MaxConfigMapBytes = 1024 * 1024;

    public static void OnCreate(ResourceType type, string ns, string name, JsonObject obj, Func<ResourceType, IEnumerable<JsonObject>> existing)
    {
        if (type == ResourceType.Services)
        {
            AllocateClusterIp(name, obj, existing(type));
        }
        else if (type == ResourceType.Deployments)
        {
            DeploymentValidation.Default(obj);
        }

        Validate(type, ns, name, obj);
    }

    public static void OnUpdate(ResourceType type, string ns, string name, JsonObject current, JsonObject next)
    {
        if (type == ResourceType.Services && next["spec"] is JsonObject spec)
        {
            var old = current["spec"]?["clusterIP"]?.GetValue<string>();
            var requested = spec["clusterIP"]?.GetValue<string>();
            if (string.IsNullOrEmpty(requested))
            {
                // The API server keeps the allocated IP when an update leaves it out.
                spec["clusterIP"] = old;
                spec["clusterIPs"] = current["spec"]?["clusterIPs"]?.DeepClone();
            }
            else if (requested != old)
            {
                throw ApiException.Invalid("Service", name, $"spec.clusterIP: Invalid value: \"{requested}\": field is immutable");
            }
        }
        else if (type == ResourceType.Deployments)
        {
            DeploymentValidation.Default(next);
        }

        Validate(type, ns, name, next);
    }

    private static void Validate(ResourceType type, string ns, string name, JsonObject obj)
    {
        if (type == ResourceType.ConfigMaps)
        {
            ValidateConfigMap(name, obj);
        }
        else if (type == ResourceType.Ingresses)
        {
            ValidateIngress(name, obj);
        }
        else if (type == ResourceType.Events)
        {
            ValidateEvent(ns, name, obj);
        }
        else if (type == ResourceType.Deployments)
        {
            DeploymentValidation.Validate(name, obj);
        }
        else if (type == ResourceType.PodDisruptionBudgets)
        {
            ValidatePodDisruptionBudget(name, obj);
        }
    }

    // pkg/apis/policy/validation ValidatePodDisruptionBudgetSpec: one of minAvailable and maxUnavailable, each a
    // non-negative integer or a percentage of at most 100% (the selector's syntax is not checked here).
    private static void ValidatePodDisruptionBudget(string name, JsonObject obj)
    {
        var spec = obj["spec"] as JsonObject ?? [];
        if (spec["minAvailable"] is not null && spec["maxUnavailable"] is not null)
        {
            throw ApiException.Invalid("PodDisruptionBudget", name, $"spec: Invalid value: {spec.ToJsonString()}: minAvailable and maxUnavailable cannot be both set");
        }

        foreach (var field in new[] { "minAvailable", "maxUnavailable" })
        {
            if (spec[field] is not { } value)
            {
                continue;
            }

            if (value.GetValueKind() == System.Text.Json.JsonValueKind.Number)
            {
                if (JsonNumbers.ReadLong(value) is not { } number || number < 0)
                {
                    throw ApiException.Invalid("PodDisruptionBudget", name, $"spec.{field}: Invalid value: {value.ToJsonString()}: must be greater than or equal to 0");
                }
            }
            else if (value.GetValueKind() != System.Text.Json.JsonValueKind.String || PdbPercent().Match(value.GetValue<string>()) is not { Success: true } percent)
            {
                throw ApiException.Invalid("PodDisruptionBudget", name, $"spec.{field}: Invalid value: {value.ToJsonString()}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
            }
            else if (int.Parse(percent.Groups[1].ValueSpan, CultureInfo.InvariantCulture) > 100)
            {
                throw ApiException.Invalid("PodDisruptionBudget", name, $"spec.{field}: Invalid value: {value.ToJsonString()}: must not be greater than 100%");
            }
        }
    }

    [GeneratedRegex("^([0-9]+)%$")]
    private static partial Regex PdbPercent();

    private static void AllocateClusterIp(string name, JsonObject obj, IEnumerable<JsonObject> services)
    {
        var spec = obj["spec"] as JsonObject ?? [];
        obj["spec"] = spec;
        if (spec["type"]?.GetValue<string>() == "ExternalName")
        {
            return;
        }

        var used = services.Select(static s => s["spec"]?["clusterIP"]?.GetValue<string>()).Where(static ip => ip is not null).ToHashSet(StringComparer.Ordinal);
        var requested = spec["clusterIP"]?.GetValue<string>();
        if (requested == "None")
        {
            return;
        }

        if (string.IsNullOrEmpty(requested))
        {
            var n = 10;
            while (used.Contains(string.Create(CultureInfo.InvariantCulture, $"10.96.{n / 250}.{n % 250 + 1}")))
            {
                n++;
            }

            requested = string.Create(CultureInfo.InvariantCulture, $"10.96.{n / 250}.{n % 250 + 1}");
        }
        else if (used.Contains(requested))
        {
            throw ApiException.Invalid("Service", name, $"spec.clusterIPs: Invalid value: []string{{\"{requested}\"}}: failed to allocate IP {requested}: provided IP is already allocated");
        }

        if (spec["ports"] is not JsonArray { Count: > 0 })
        {
            throw ApiException.Invalid("Service", name, "spec.ports: Required value");
        }

        spec["clusterIP"] = requested;
        spec["clusterIPs"] = new JsonArray(requested);
    }

    private static void ValidateConfigMap(string name, JsonObject obj)
    {
        var bytes = 0;
        foreach (var field in new[] { "data", "binaryData" })
        {
            foreach (var (key, value) in obj[field] as JsonObject ?? [])
            {
                if (key.Length > 253 || key is "." or ".." || key.StartsWith("..", StringComparison.Ordinal) || !ConfigKey().IsMatch(key))
                {
                    throw ApiException.Invalid("ConfigMap", name, $"{field}[{key}]: Invalid value: \"{key}\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
                }

                bytes += Encoding.UTF8.GetByteCount(value?.GetValue<string>() ?? "");
            }
        }

        if (bytes > MaxConfigMapBytes)
        {
            throw ApiException.Invalid("ConfigMap", name, string.Create(CultureInfo.InvariantCulture, $"[]: Too long: must have at most {MaxConfigMapBytes} bytes"));
        }
    }

    private static void ValidateIngress(string name, JsonObject obj)
    {
        var rules = obj["spec"]?["rules"] as JsonArray ?? [];
        for (var i = 0; i < rules.Count; i++)
        {
            var paths = rules[i]?["http"]?["paths"] as JsonArray ?? [];
            for (var j = 0; j < paths.Count; j++)
            {
                var field = string.Create(CultureInfo.InvariantCulture, $"spec.rules[{i}].http.paths[{j}]");
                var pathType = paths[j]?["pathType"]?.GetValue<string>();
                if (pathType is null)
                {
                    throw ApiException.Invalid("Ingress.networking.k8s.io", name, $"{field}.pathType: Required value: pathType must be specified");
                }

                if (pathType is not ("Exact" or "Prefix" or "ImplementationSpecific"))
                {
                    throw ApiException.Invalid("Ingress.networking.k8s.io", name, $"{field}.pathType: Unsupported value: \"{pathType}\": supported values: \"Exact\", \"ImplementationSpecific\", \"Prefix\"");
                }

                var backend = paths[j]?["backend"];
                var service = backend?["service"];
                if (service is null && backend?["resource"] is null)
                {
                    throw ApiException.Invalid("Ingress.networking.k8s.io", name, $"{field}.backend: Invalid value: \"\": must specify a resource or service");
                }

                if (service is not null && (string.IsNullOrEmpty(service["name"]?.GetValue<string>()) || (service["port"]?["name"] is null && service["port"]?["number"] is null)))
                {
                    throw ApiException.Invalid("Ingress.networking.k8s.io", name, $"{field}.backend.service: Required value: a service needs a name and a port name or number");
                }
            }
        }
    }

    // legacyValidateEvent (core/v1 requests): the involved object's namespace must be the Event's.
    private static void ValidateEvent(string ns, string name, JsonObject obj)
    {
        var involvedNamespace = obj["involvedObject"]?["namespace"]?.GetValue<string>() ?? "";
        var hasEventTime = obj["eventTime"] is JsonValue;
        if (!hasEventTime)
        {
            if (involvedNamespace.Length == 0 ? ns is not ("" or "default") : ns != involvedNamespace)
            {
                throw ApiException.Invalid("Event", name, $"involvedObject.namespace: Invalid value: \"{involvedNamespace}\": does not match event.namespace");
            }

            return;
        }

        if (involvedNamespace.Length == 0 && ns is not ("default" or "kube-system"))
        {
            throw ApiException.Invalid("Event", name, $"involvedObject.namespace: Invalid value: \"{involvedNamespace}\": does not match event.namespace");
        }

        foreach (var (field, limit) in new[] { ("reportingController", 0), ("reportingInstance", 128), ("action", 128), ("reason", 128) })
        {
            var value = obj[field]?.GetValue<string>() ?? "";
            if (value.Length == 0)
            {
                throw ApiException.Invalid("Event", name, $"{field}: Required value");
            }

            if (limit > 0 && value.Length > limit)
            {
                throw ApiException.Invalid("Event", name, string.Create(CultureInfo.InvariantCulture, $"{field}: Invalid value: \"\": can have at most {limit} characters"));
            }
        }

        if ((obj["message"]?.GetValue<string>()?.Length ?? 0) > 1024)
        {
            throw ApiException.Invalid("Event", name, "message: Invalid value: \"\": can have at most 1024 characters");
        }
    }

    [GeneratedRegex("^[-._a-zA-Z0-9]+$")]
    private static partial Regex ConfigKey();
}
