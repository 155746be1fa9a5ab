using System.Net;
using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// Dynamic admission as the API server runs it (kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers):
/// for a create or update, every matching webhook of the MutatingWebhookConfigurations (by configuration name, then
/// in order) gets an <c>admission.k8s.io/v1</c> AdmissionReview over HTTPS, trusting only its <c>caBundle</c>, and its
/// JSONPatch is applied; then every matching validating webhook. A webhook that cannot be called fails the request
/// under <c>failurePolicy: Fail</c> (the default) and is skipped under <c>Ignore</c>.
/// Only <c>clientConfig.url</c> is supported: the emulator has no Service network to reach <c>clientConfig.service</c>.
/// </summary>
public sealed class AdmissionWebhooks(ResourceStore store)
{
    public static ResourceType MutatingConfigurations { get; } = new("admissionregistration.k8s.io", "mutatingwebhookconfigurations");

    public static ResourceType ValidatingConfigurations { get; } = new("admissionregistration.k8s.io", "validatingwebhookconfigurations");

    /// <summary>
    /// Mutating admission: returns the object with every matching mutating webhook's patch applied, or throws the
    /// API server's refusal. For a DELETE (<paramref name="newObject"/> null) the webhooks are asked and may refuse;
    /// there is nothing to patch.
    /// </summary>
    public async Task<JsonObject?> MutateAsync(string operation, ResourceDefinition definition, string version, string? subresource, string ns, JsonObject? oldObject, JsonObject? newObject, CancellationToken cancellationToken)
    {
        if (IsWebhookConfiguration(definition.Type))
        {
            return newObject;
        }

        var current = newObject;
        foreach (var (configuration, webhook) in Matching(MutatingConfigurations, operation, definition.Type, version, subresource, ns, oldObject, current))
        {
            var response = await CallAsync(configuration, webhook, operation, definition, version, subresource, ns, oldObject, current, cancellationToken).ConfigureAwait(false);
            if (response is null || current is null)
            {
                continue;
            }

            if (response["patch"]?.GetValue<string>() is { Length: > 0 } encoded)
            {
                if (response["patchType"]?.GetValue<string>() != "JSONPatch")
                {
                    throw new ApiException(HttpStatusCode.InternalServerError, "InternalError",
                        $"Internal error occurred: webhook \"{Name(webhook)}\" returned a patch with unsupported patchType");
                }

                var patch = JsonNode.Parse(Convert.FromBase64String(encoded)) as JsonArray
                    ?? throw new ApiException(HttpStatusCode.InternalServerError, "InternalError", $"Internal error occurred: webhook \"{Name(webhook)}\" returned a patch that is not a JSON array");
                current = JsonPatching.ApplyJsonPatch(current, patch) as JsonObject
                    ?? throw new ApiException(HttpStatusCode.InternalServerError, "InternalError", $"Internal error occurred: webhook \"{Name(webhook)}\" returned a patch that did not apply");
            }
        }

        return current;
    }

    /// <summary>Validating admission: every matching validating webhook is asked; the first refusal is thrown.</summary>
    public async Task ValidateAsync(string operation, ResourceDefinition definition, string version, string? subresource, string ns, JsonObject? oldObject, JsonObject? newObject, CancellationToken cancellationToken)
    {
        if (IsWebhookConfiguration(definition.Type))
        {
            return;
        }

        foreach (var (configuration, webhook) in Matching(ValidatingConfigurations, operation, definition.Type, version, subresource, ns, oldObject, newObject))
        {
            await CallAsync(configuration, webhook, operation, definition, version, subresource, ns, oldObject, newObject, cancellationToken).ConfigureAwait(false);
        }
    }

    // The API server never calls webhooks about webhook configurations.
    private static bool IsWebhookConfiguration(ResourceType type) => type == MutatingConfigurations || type == ValidatingConfigurations;

    private IEnumerable<(JsonObject Configuration, JsonObject Webhook)> Matching(ResourceType configurations, string operation, ResourceType type, string version, string? subresource, string ns, JsonObject? oldObject, JsonObject? newObject)
    {
        var items = store.List(configurations, null).Items.OrderBy(static c => c["metadata"]?["name"]?.GetValue<string>(), StringComparer.Ordinal).ToList();
        foreach (var configuration in items)
        {
            foreach (var webhook in (configuration["webhooks"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (RulesMatch(webhook["rules"] as JsonArray, operation, type, version, subresource) &&
                    ((newObject is not null && Selects(webhook["objectSelector"] as JsonObject, newObject)) || (oldObject is not null && Selects(webhook["objectSelector"] as JsonObject, oldObject))) &&
                    NamespaceSelected(webhook["namespaceSelector"] as JsonObject, ns))
                {
                    yield return (configuration, webhook);
                }
            }
        }
    }

    private static bool RulesMatch(JsonArray? rules, string operation, ResourceType type, string version, string? subresource)
    {
        var resource = subresource is null ? type.Plural : type.Plural + "/" + subresource;
        foreach (var rule in (rules ?? []).OfType<JsonObject>())
        {
            if (Contains(rule["operations"], operation) && Contains(rule["apiGroups"], type.Group) && Contains(rule["apiVersions"], version) &&
                (Contains(rule["resources"], resource) || (subresource is null ? Contains(rule["resources"], "*") : Contains(rule["resources"], "*/*") || Contains(rule["resources"], type.Plural + "/*") || Contains(rule["resources"], "*/" + subresource))))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Contains(JsonNode? list, string value) =>
        (list as JsonArray ?? []).Any(v => v?.GetValue<string>() is { } s && (s == value || (s == "*" && !value.Contains('/', StringComparison.Ordinal))));

    private bool NamespaceSelected(JsonObject? selector, string ns)
    {
        if (selector is null || selector.Count == 0 || ns.Length == 0)
        {
            return true;
        }

        var namespaceObject = store.Get(new StoredObjectKey(new ResourceType("", "namespaces"), "", ns)) ?? new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } };
        return Selects(selector, namespaceObject);
    }

    // metav1.LabelSelector: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist); empty selects all.
    internal static bool Selects(JsonObject? selector, JsonObject obj)
    {
        if (selector is null)
        {
            return true;
        }

        var labels = obj["metadata"]?["labels"] as JsonObject;
        foreach (var (key, value) in selector["matchLabels"] as JsonObject ?? [])
        {
            if (labels?[key]?.GetValue<string>() != value?.GetValue<string>())
            {
                return false;
            }
        }

        foreach (var expression in (selector["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var key = expression["key"]?.GetValue<string>() ?? "";
            var actual = labels?[key]?.GetValue<string>();
            var values = (expression["values"] as JsonArray ?? []).Select(static v => v?.GetValue<string>()).ToList();
            var ok = expression["operator"]?.GetValue<string>() switch
            {
                "In" => actual is not null && values.Contains(actual),
                "NotIn" => actual is null || !values.Contains(actual),
                "Exists" => actual is not null,
                "DoesNotExist" => actual is null,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    // Returns the response, or null when the call failed and failurePolicy is Ignore; throws the refusal otherwise.
    private async Task<JsonObject?> CallAsync(JsonObject configuration, JsonObject webhook, string operation, ResourceDefinition definition, string version, string? subresource, string ns, JsonObject? oldObject, JsonObject? newObject, CancellationToken cancellationToken)
    {
        var type = definition.Type;
        var name = Name(webhook);
        var ignore = webhook["failurePolicy"]?.GetValue<string>() == "Ignore";
        var uid = Guid.NewGuid().ToString();
        var gvk = new JsonObject { ["group"] = type.Group, ["version"] = version, ["kind"] = definition.Kind };
        var gvr = new JsonObject { ["group"] = type.Group, ["version"] = version, ["resource"] = type.Plural };
        var request = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = gvk,
            ["resource"] = gvr,
            ["requestKind"] = gvk.DeepClone(),
            ["requestResource"] = gvr.DeepClone(),
            ["name"] = (newObject ?? oldObject)?["metadata"]?["name"]?.DeepClone(),
            ["operation"] = operation,
            ["userInfo"] = new JsonObject { ["username"] = "system:admin" },
            ["object"] = newObject?.DeepClone(),
            ["oldObject"] = oldObject?.DeepClone(),
            ["dryRun"] = false,
        };
        if (subresource is not null)
        {
            request["subResource"] = subresource;
            request["requestSubResource"] = subresource;
        }

        if (ns.Length > 0)
        {
            request["namespace"] = ns;
        }

        var review = new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["request"] = request };
        JsonObject? response;
        try
        {
            var seconds = webhook["timeoutSeconds"] is JsonValue t && t.TryGetValue<int>(out var s) ? s : 10;
            var clientConfig = webhook["clientConfig"] as JsonObject ?? throw new InvalidOperationException("the webhook has no clientConfig");
            var answer = await WebhookClient.PostAsync(clientConfig, $"timeout={seconds}s", review, TimeSpan.FromSeconds(seconds), store, cancellationToken).ConfigureAwait(false);
            response = answer["response"] as JsonObject;
            if (response is null || response["uid"]?.GetValue<string>() != uid)
            {
                throw new InvalidOperationException("the response is not an AdmissionReview for this request (uid)");
            }
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException or System.Text.Json.JsonException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            if (ignore)
            {
                return null;
            }

            throw new ApiException(HttpStatusCode.InternalServerError, "InternalError",
                $"Internal error occurred: failed calling webhook \"{name}\": failed to call webhook: {e.Message}");
        }

        if (response["allowed"]?.GetValue<bool>() != true)
        {
            var code = response["status"]?["code"] is JsonValue c && c.TryGetValue<int>(out var number) ? number : 403;
            var message = response["status"]?["message"]?.GetValue<string>() ?? "";
            throw new ApiException((HttpStatusCode)code, code == 403 ? "Forbidden" : "BadRequest", $"admission webhook \"{name}\" denied the request: {message}");
        }

        _ = configuration;
        return response;
    }

    private static string Name(JsonObject webhook) => webhook["name"]?.GetValue<string>() ?? "";
}
