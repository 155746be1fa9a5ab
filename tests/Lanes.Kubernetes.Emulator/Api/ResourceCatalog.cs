using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// What the API server serves: its built-in types, plus the resources of every established
/// CustomResourceDefinition. A path no definition covers is a 404, as on a real server before its CRD is created
/// (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#create-a-customresourcedefinition).
/// </summary>
public sealed class ResourceCatalog
{
    public static readonly ResourceType CustomResourceDefinitions = new("apiextensions.k8s.io", "customresourcedefinitions");

    private readonly Lock _lock = new();
    private readonly Dictionary<ResourceType, ResourceDefinition> _definitions = [];

    internal ResourceCatalog()
    {
        foreach (var definition in BuiltInResources.All)
        {
            _definitions[definition.Type] = definition;
        }
    }

    /// <summary>Every resource served now, built-in first, in a stable order.</summary>
    public IReadOnlyList<ResourceDefinition> All
    {
        get
        {
            lock (_lock)
            {
                return [.. _definitions.Values.OrderBy(static d => d.IsCustom).ThenBy(static d => d.Group, StringComparer.Ordinal).ThenBy(static d => d.Plural, StringComparer.Ordinal)];
            }
        }
    }

    public ResourceDefinition? Find(ResourceType type)
    {
        lock (_lock)
        {
            return _definitions.GetValueOrDefault(type);
        }
    }

    /// <summary>The definition behind <c>apiVersion</c>/<c>kind</c> of a manifest, if that kind is served in that version.</summary>
    public ResourceDefinition? FindKind(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? "" : apiVersion[..slash];
        var version = slash < 0 ? apiVersion : apiVersion[(slash + 1)..];
        lock (_lock)
        {
            return _definitions.Values.FirstOrDefault(d => d.Group == group && d.Kind == kind && d.Served(version) is not null);
        }
    }

    /// <summary>Serves the resource a CustomResourceDefinition describes (called once the CRD is stored).</summary>
    internal void Register(JsonObject crd)
    {
        var definition = FromCrd(crd);
        lock (_lock)
        {
            if (_definitions.TryGetValue(definition.Type, out var existing) && !existing.IsCustom)
            {
                return;
            }

            _definitions[definition.Type] = definition;
        }
    }

    internal void Unregister(JsonObject crd)
    {
        var spec = crd["spec"] as JsonObject;
        var type = new ResourceType(spec?["group"]?.GetValue<string>() ?? "", spec?["names"]?["plural"]?.GetValue<string>() ?? "");
        lock (_lock)
        {
            if (_definitions.TryGetValue(type, out var existing) && existing.IsCustom)
            {
                _definitions.Remove(type);
            }
        }
    }

    /// <summary>
    /// Checks a CustomResourceDefinition as the apiextensions API server does before it stores one: group, names,
    /// scope, at least one served version and exactly one storage version, and <c>metadata.name</c> = <c>plural.group</c>.
    /// </summary>
    internal static void Validate(string name, JsonObject crd)
    {
        var spec = crd["spec"] as JsonObject ?? throw ApiException.Invalid("CustomResourceDefinition", name, "spec: Required value");
        var group = spec["group"]?.GetValue<string>();
        var plural = spec["names"]?["plural"]?.GetValue<string>();
        var errors = new List<string>();
        if (string.IsNullOrEmpty(group) || !group.Contains('.', StringComparison.Ordinal))
        {
            errors.Add($"spec.group: Invalid value: \"{group}\": should be a domain with at least one dot");
        }

        if (string.IsNullOrEmpty(plural))
        {
            errors.Add("spec.names.plural: Required value");
        }

        if (string.IsNullOrEmpty(spec["names"]?["kind"]?.GetValue<string>()))
        {
            errors.Add("spec.names.kind: Required value");
        }

        if (spec["scope"]?.GetValue<string>() is not ("Namespaced" or "Cluster"))
        {
            errors.Add($"spec.scope: Unsupported value: \"{spec["scope"]}\": supported values: \"Cluster\", \"Namespaced\"");
        }

        var versions = spec["versions"] as JsonArray ?? [];
        if (versions.Count == 0)
        {
            errors.Add("spec.versions: Invalid value: null: must have exactly one version marked as storage version");
        }
        else if (versions.Count(static v => v?["storage"]?.GetValue<bool>() == true) != 1)
        {
            errors.Add("spec.versions: Invalid value: must have exactly one version marked as storage version");
        }

        if (versions.Count > 0 && !versions.Any(static v => v?["served"]?.GetValue<bool>() == true))
        {
            errors.Add("spec.versions: Invalid value: must have at least one version marked as served");
        }

        ValidateConversion(spec["conversion"] as JsonObject, errors);
        if (plural is not null && group is not null && name != plural + "." + group)
        {
            errors.Add($"metadata.name: Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group");
        }

        if (errors.Count > 0)
        {
            throw ApiException.Invalid("CustomResourceDefinition", name, errors.Count == 1 ? errors[0] : "[" + string.Join(", ", errors) + "]");
        }
    }

    // spec.conversion as the apiextensions validation checks it
    // (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definition-versioning/#configure-customresourcedefinition-to-use-conversion-webhooks).
    private static void ValidateConversion(JsonObject? conversion, List<string> errors)
    {
        var strategy = conversion?["strategy"]?.GetValue<string>() ?? "None";
        if (strategy is not ("None" or "Webhook"))
        {
            errors.Add($"spec.conversion.strategy: Unsupported value: \"{strategy}\": supported values: \"None\", \"Webhook\"");
            return;
        }

        var webhook = conversion?["webhook"] as JsonObject;
        if (strategy == "None")
        {
            if (webhook is not null)
            {
                errors.Add("spec.conversion.webhook: Forbidden: should not be set when strategy is not set to Webhook");
            }

            return;
        }

        if (webhook is null)
        {
            errors.Add("spec.conversion.webhook: Required value: required when strategy is set to Webhook");
            return;
        }

        var reviewVersions = (webhook["conversionReviewVersions"] as JsonArray ?? []).Select(static v => v?.GetValue<string>()).ToList();
        if (reviewVersions.Count == 0)
        {
            errors.Add("spec.conversion.webhook.conversionReviewVersions: Required value: must contain at least one version");
        }
        else if (!reviewVersions.Any(static v => v is "v1" or "v1beta1"))
        {
            errors.Add($"spec.conversion.webhook.conversionReviewVersions: Invalid value: []string{{{string.Join(", ", reviewVersions.Select(static v => "\"" + v + "\""))}}}: must include at least one of v1, v1beta1");
        }

        var clientConfig = webhook["clientConfig"] as JsonObject;
        if ((clientConfig?["url"] is null) == (clientConfig?["service"] is null))
        {
            errors.Add("spec.conversion.webhook.clientConfig: Required value: exactly one of url or service is required");
        }
        else if (clientConfig?["url"]?.GetValue<string>() is { } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "https"))
        {
            errors.Add($"spec.conversion.webhook.clientConfig.url: Invalid value: \"{url}\": 'https' is the only allowed URL scheme");
        }
    }

    private static ResourceDefinition FromCrd(JsonObject crd)
    {
        var spec = (JsonObject)crd["spec"]!;
        var names = (JsonObject)spec["names"]!;
        var kind = names["kind"]!.GetValue<string>();
        var versions = new List<ResourceVersionDefinition>();
        foreach (var version in (spec["versions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            versions.Add(new ResourceVersionDefinition(
                version["name"]!.GetValue<string>(),
                version["served"]?.GetValue<bool>() == true,
                version["storage"]?.GetValue<bool>() == true,
                version["subresources"]?["status"] is JsonObject,
                version["additionalPrinterColumns"]?.DeepClone() as JsonArray,
                version["schema"]?["openAPIV3Schema"]?.DeepClone() as JsonObject));
        }

        return new ResourceDefinition(
            spec["group"]!.GetValue<string>(),
            names["plural"]!.GetValue<string>(),
            names["singular"]?.GetValue<string>() is { Length: > 0 } singular ? singular : kind.ToLowerInvariant(),
            kind,
            spec["scope"]?.GetValue<string>() != "Cluster",
            [.. (names["shortNames"] as JsonArray ?? []).Select(static s => s!.GetValue<string>())],
            versions,
            IsCustom: true,
            spec["conversion"]?.DeepClone() as JsonObject);
    }
}
