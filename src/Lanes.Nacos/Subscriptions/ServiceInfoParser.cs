using System.Buffers;
using System.IO.Hashing;
using System.Net;
using System.Text;
using System.Text.Json;
using Lanes.Discovery;
using Lanes.Nacos.Discovery;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Nacos.Subscriptions;

/// <summary>
/// Reads Nacos's <c>ServiceInfo</c> JSON (the <c>/v1/ns/instance/list</c> answer and the UDP push payload)
/// straight from UTF-8 into endpoints. The header pass hashes the raw <c>hosts</c> array so an unchanged
/// list costs no parsing; the hosts pass reads only the fields routing needs and shares one metadata
/// dictionary between instances whose metadata is byte-for-byte the same.
/// </summary>
internal static class ServiceInfoParser
{
    private const int MaxMetadataCacheEntries = 64;

    /// <summary>Reads the header; returns <see langword="false"/> with a reason when the JSON is malformed or has no <c>hosts</c>.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> json, out ServiceInfoHeader header, out string? error)
    {
        header = default;
        error = null;
        string? name = null, groupName = null;
        long cacheMillis = 0, lastRefTime = 0;
        int hostsStart = -1, hostsLength = 0;
        ulong hash = 0;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "the answer is not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("hosts"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        continue;
                    }

                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        error = "'hosts' is not an array";
                        return false;
                    }

                    hostsStart = (int)reader.TokenStartIndex;
                    reader.Skip();
                    hostsLength = (int)reader.BytesConsumed - hostsStart;
                    hash = XxHash3.HashToUInt64(json.Slice(hostsStart, hostsLength));
                }
                else if (reader.ValueTextEquals("name"u8))
                {
                    reader.Read();
                    name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("groupName"u8))
                {
                    reader.Read();
                    groupName = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("cacheMillis"u8))
                {
                    reader.Read();
                    _ = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out cacheMillis);
                }
                else if (reader.ValueTextEquals("lastRefTime"u8))
                {
                    reader.Read();
                    _ = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out lastRefTime);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                error = "the answer ends early";
                return false;
            }
        }
        catch (JsonException ex)
        {
            error = $"malformed JSON ({ex.Message})";
            return false;
        }

        if (hostsStart < 0)
        {
            error = "the answer has no 'hosts' array";
            return false;
        }

        header = new ServiceInfoHeader(name, groupName, cacheMillis, lastRefTime, hash, hostsStart, hostsLength);
        return true;
    }

    /// <summary>
    /// Reads the <c>hosts</c> array into endpoints. A host without <c>ip</c> or a valid <c>port</c> rejects the
    /// whole answer (it is partial); a host whose lane tag is not a valid lane becomes unhealthy, never base.
    /// </summary>
    public static bool TryReadHosts(ReadOnlySpan<byte> hostsJson, LaneMetadata laneMetadata, out ServiceEndpoint[] endpoints, out int invalidLanes, out string? error)
    {
        endpoints = [];
        invalidLanes = 0;
        error = null;
        var metadataCache = new Dictionary<ulong, MetadataEntry>();
        var empty = new MetadataEntry(0, 0, EmptyMetadata.Instance, Lane.Base, Valid: true, Secure: false);
        var result = new List<ServiceEndpoint>();
        Span<char> ipChars = stackalloc char[64];
        try
        {
            var reader = new Utf8JsonReader(hostsJson, new JsonReaderOptions { MaxDepth = 16 });
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                IPAddress? address = null;
                string? host = null;
                var port = -1;
                var weight = 1.0;
                bool healthy = true, enabled = true;
                var metadata = empty;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("ip"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && reader.ValueSpan.Length <= ipChars.Length)
                        {
                            var length = Encoding.UTF8.GetChars(reader.ValueSpan, ipChars);
                            if (!IPAddress.TryParse(ipChars[..length], out address))
                            {
                                host = reader.GetString();
                            }
                        }
                        else if (reader.TokenType == JsonTokenType.String)
                        {
                            host = reader.GetString();
                        }
                    }
                    else if (reader.ValueTextEquals("port"u8))
                    {
                        reader.Read();
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out port))
                        {
                            port = -1;
                        }
                    }
                    else if (reader.ValueTextEquals("weight"u8))
                    {
                        reader.Read();
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out weight) || !double.IsFinite(weight))
                        {
                            weight = 0;
                        }
                    }
                    else if (reader.ValueTextEquals("healthy"u8))
                    {
                        reader.Read();
                        healthy = reader.TokenType != JsonTokenType.False;
                    }
                    else if (reader.ValueTextEquals("enabled"u8))
                    {
                        reader.Read();
                        enabled = reader.TokenType != JsonTokenType.False;
                    }
                    else if (reader.ValueTextEquals("metadata"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.StartObject)
                        {
                            var start = (int)reader.TokenStartIndex;
                            reader.Skip();
                            var raw = hostsJson[start..(int)reader.BytesConsumed];
                            metadata = GetMetadata(hostsJson, start, raw, metadataCache, laneMetadata);
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }

                if ((address is null && string.IsNullOrEmpty(host)) || port is < 1 or > 65535)
                {
                    error = "an instance has no valid 'ip' or 'port'";
                    return false;
                }

                if (!metadata.Valid)
                {
                    invalidLanes++;
                }

                EndPoint endPoint = metadata.Secure
                    ? new UriEndPoint(new Uri($"https://{(address is null ? host : address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString())}:{port}"))
                    : address is not null ? new IPEndPoint(address, port) : new DnsEndPoint(host!, port);
                var instance = new ServiceInstance(
                    endPoint,
                    metadata.Lane,
                    Math.Clamp(weight, 0, ServiceInstance.MaxWeight),
                    healthy && enabled && metadata.Valid,
                    metadata.Metadata);
                result.Add(instance.ToServiceEndpoint());
            }

            if (reader.TokenType != JsonTokenType.EndArray)
            {
                error = "'hosts' holds something other than instances";
                return false;
            }
        }
        catch (JsonException ex)
        {
            error = $"malformed JSON in 'hosts' ({ex.Message})";
            return false;
        }

        endpoints = [.. result];
        return true;
    }

    private static MetadataEntry GetMetadata(
        ReadOnlySpan<byte> hostsJson, int start, ReadOnlySpan<byte> raw, Dictionary<ulong, MetadataEntry> cache, LaneMetadata laneMetadata)
    {
        var hash = XxHash3.HashToUInt64(raw);
        if (cache.TryGetValue(hash, out var cached) && hostsJson.Slice(cached.Start, cached.Length).SequenceEqual(raw))
        {
            return cached;
        }

        var dictionary = ReadMetadata(raw);
        var valid = laneMetadata.TryRead(dictionary, out var lane);
        var secure = dictionary.TryGetValue("secure", out var secureValue) && string.Equals(secureValue, "true", StringComparison.OrdinalIgnoreCase);
        var entry = new MetadataEntry(start, raw.Length, dictionary, lane, valid, secure);
        if (cache.Count < MaxMetadataCacheEntries)
        {
            cache.TryAdd(hash, entry);
        }

        return entry;
    }

    private static IReadOnlyDictionary<string, string> ReadMetadata(ReadOnlySpan<byte> raw)
    {
        var reader = new Utf8JsonReader(raw);
        reader.Read();
        Dictionary<string, string>? dictionary = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            var value = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.Null => string.Empty,
                JsonTokenType.StartObject or JsonTokenType.StartArray => SkipAndDescribe(ref reader),
                _ => Encoding.UTF8.GetString(reader.ValueSpan),
            };
            (dictionary ??= new Dictionary<string, string>(StringComparer.Ordinal))[key] = value;
        }

        return dictionary ?? EmptyMetadata.Instance;
    }

    private static string SkipAndDescribe(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return string.Empty;
    }

    private sealed record MetadataEntry(int Start, int Length, IReadOnlyDictionary<string, string> Metadata, Lane Lane, bool Valid, bool Secure);

    private static class EmptyMetadata
    {
        public static readonly IReadOnlyDictionary<string, string> Instance = System.Collections.Frozen.FrozenDictionary<string, string>.Empty;
    }
}
