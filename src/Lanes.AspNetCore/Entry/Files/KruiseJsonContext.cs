using System.Text.Json.Serialization;

namespace Lanes.AspNetCore.Entry.Files;

/// <summary>Strict JSON for rules files: Kruise's camelCase names, case-sensitive, unknown fields rejected.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(KruiseStrategy))]
internal sealed partial class KruiseJsonContext : JsonSerializerContext;
