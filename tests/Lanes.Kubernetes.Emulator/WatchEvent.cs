using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>One change as a watch sees it; <see cref="Object"/> is a private snapshot.</summary>
public sealed record WatchEvent(string Type, StoredObjectKey Key, long ResourceVersion, JsonObject Object);
