using System.Text.Json.Serialization;

namespace Lanes.Nacos.Client;

/// <summary>Source-generated JSON for what the client writes.</summary>
[JsonSerializable(typeof(NacosBeatInfo))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
internal sealed partial class NacosJsonContext : JsonSerializerContext;
