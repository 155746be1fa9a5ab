using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// A resource the API server serves: a built-in type or one a CustomResourceDefinition introduced
/// (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/).
/// </summary>
public sealed record ResourceDefinition(
    string Group,
    string Plural,
    string Singular,
    string Kind,
    bool Namespaced,
    IReadOnlyList<string> ShortNames,
    IReadOnlyList<ResourceVersionDefinition> Versions,
    bool IsCustom,
    JsonObject? Conversion = null)
{
    public ResourceType Type => new(Group, Plural);

    /// <summary>The version a client gets when it does not name one: the storage version's peers sorted by Kubernetes' version priority.</summary>
    public ResourceVersionDefinition PreferredVersion => Versions.Where(static v => v.Served).OrderBy(static v => v.Name, KubeVersionComparer.Instance).First();

    /// <summary>The version objects are stored in (a built-in type's only version here).</summary>
    public ResourceVersionDefinition StorageVersion => Versions.FirstOrDefault(static v => v.Storage) ?? Versions[0];

    /// <summary>
    /// A CRD's <c>spec.conversion</c> with <c>strategy: Webhook</c>, or null when versions differ only in
    /// <c>apiVersion</c> (strategy <c>None</c>, and every built-in type here).
    /// </summary>
    public JsonObject? ConversionWebhook => Conversion?["strategy"]?.GetValue<string>() == "Webhook" ? Conversion["webhook"] as JsonObject : null;

    public ResourceVersionDefinition? Served(string version) => Versions.FirstOrDefault(v => v.Served && v.Name == version);

    public string GroupVersion(string version) => Group.Length == 0 ? version : Group + "/" + version;
}

/// <summary>One served version of a resource: its schema (custom resources only), status subresource and printer columns.</summary>
public sealed record ResourceVersionDefinition(string Name, bool Served, bool Storage, bool StatusSubresource, JsonArray? PrinterColumns, JsonObject? Schema);
