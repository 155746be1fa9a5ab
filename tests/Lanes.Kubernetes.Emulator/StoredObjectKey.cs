namespace Lanes.Kubernetes.Emulator;

/// <summary>Identity of one stored object.</summary>
public readonly record struct StoredObjectKey(ResourceType Type, string Namespace, string Name);
