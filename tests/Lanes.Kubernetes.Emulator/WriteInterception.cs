using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>What a write through the HTTP API is about to do; handed to <see cref="EmulatorOptions.BeforeWrite"/>.</summary>
public sealed record WriteInterception(string Verb, StoredObjectKey Key, string? Subresource, JsonObject? Body);
