namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// One request over HTTP as <see cref="EmulatorOptions.Faults"/> sees it: the verb (<c>get</c>, <c>list</c>,
/// <c>watch</c>, <c>create</c>, <c>update</c>, <c>patch</c>, <c>delete</c>), the resource and the object, if one.
/// </summary>
public sealed record ApiRequest(string Verb, ResourceType Type, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>Whether the request changes something.</summary>
    public bool IsWrite => Verb is "create" or "update" or "patch" or "delete";
}
