using System.Buffers.Text;
using System.IO.Hashing;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Lanes.Discovery;
using Lanes.Nacos.Discovery;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Nacos.Subscriptions;

/// <summary>
/// Reads Nacos's <c>ServiceInfo</c> JSON (the <c>/v1/ns/instance/list</c> answer and the UDP push payload)
/// straight from UTF-8 into endpoints. An unchanged answer is recognised by a hash over its bytes (less the
/// <c>lastRefTime</c> a server bumps on every answer) without parsing; a changed one is read in a single pass
/// that picks out only the fields routing needs and shares one metadata dictionary between instances whose
/// metadata is byte-for-byte the same.
/// </summary>
internal static class ServiceInfoParser
{
    private const int MaxMetadataCacheEntries = 64;
    private static readonly JsonReaderOptions s_readerOptions = new() { MaxDepth = 16 };

    /// <summary>Hashes the answer and finds its top-level <c>lastRefTime</c> and <c>cacheMillis</c> without parsing it.</summary>
    public static ServiceInfoSummary Summarize(ReadOnlySpan<byte> json)
    {
        // Nacos writes lastRefTime once, at the top level, after the hosts: find the last one.
        var key = json.LastIndexOf("\"lastRefTime\""u8);
        if (key < 0)
        {
            return new ServiceInfoSummary(XxHash3.HashToUInt64(json), 0, FindNumber(json, "\"cacheMillis\""u8));
        }

        var valueStart = SkipColon(json, key + "\"lastRefTime\"".Length);
        var valueEnd = valueStart;
        while (valueEnd < json.Length && json[valueEnd] is >= (byte)'0' and <= (byte)'9' or (byte)'-')
        {
            valueEnd++;
        }

        _ = Utf8Parser.TryParse(json[valueStart..valueEnd], out long lastRefTime, out _);
        var hash = XxHash3.HashToUInt64(json[valueEnd..], unchecked((long)XxHash3.HashToUInt64(json[..key])));
        return new ServiceInfoSummary(hash, lastRefTime, FindNumber(json, "\"cacheMillis\""u8));
    }

    /// <summary>Reads the service's name (for routing a push); stops as soon as it has it.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> json, out ServiceInfoHeader header, out string? error)
    {
        header = default;
        error = null;
        string? name = null, groupName = null;
        try
        {
            var reader = new Utf8JsonReader(json, s_readerOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "the answer is not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("name"u8))
                {
                    reader.Read();
                    name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("groupName"u8))
                {
                    reader.Read();
                    groupName = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }

                if (name is not null && (groupName is not null || name.Contains("@@", StringComparison.Ordinal)))
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: text that is not UTF-8 where a string is read.
            error = $"malformed JSON ({ex.Message})";
            return false;
        }

        if (name is null)
        {
            error = "the answer names no service";
            return false;
        }

        header = new ServiceInfoHeader(name, groupName);
        return true;
    }

    /// <summary>
    /// Reads a whole <c>ServiceInfo</c> in one pass into endpoints. An answer that is malformed, cut short or has no
    /// <c>hosts</c> array is rejected (the caller keeps its last good list).
    /// </summary>
    public static bool TryReadInstances(
        ReadOnlySpan<byte> json,
        LaneMetadata laneMetadata,
        IReadOnlyDictionary<ulong, ServiceEndpoint>? previous,
        out ServiceEndpoint[] endpoints,
        out Dictionary<ulong, ServiceEndpoint> byHost,
        out int invalidLanes,
        out string? error)
    {
        endpoints = [];
        byHost = [];
        invalidLanes = 0;
        error = null;
        var found = false;
        if (!EndsAsAnObject(json))
        {
            // The usual way an answer breaks is being cut short: tell so without tokenising it.
            error = "the answer ends early or goes on after its end";
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(json, s_readerOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "the answer is not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("hosts"u8))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }

                if (found)
                {
                    error = "the answer has 'hosts' twice";
                    return false;
                }

                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                if (reader.TokenType != JsonTokenType.StartArray || !ReadHosts(ref reader, json, laneMetadata, previous, out endpoints, out byHost, out invalidLanes, out error))
                {
                    error ??= "'hosts' is not an array";
                    return false;
                }

                found = true;
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.BytesConsumed == 0 || reader.Read())
            {
                error = "the answer ends early or goes on after its end";
                return false;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            error = $"malformed JSON ({ex.Message})";
            return false;
        }

        if (!found)
        {
            error = "the answer has no 'hosts' array";
            return false;
        }

        return true;
    }

    /// <summary>Reads a bare <c>hosts</c> array into endpoints.</summary>
    public static bool TryReadHosts(ReadOnlySpan<byte> hostsJson, LaneMetadata laneMetadata, out ServiceEndpoint[] endpoints, out int invalidLanes, out string? error)
    {
        endpoints = [];
        invalidLanes = 0;
        error = null;
        try
        {
            var reader = new Utf8JsonReader(hostsJson, s_readerOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                error = "'hosts' is not an array";
                return false;
            }

            return ReadHosts(ref reader, hostsJson, laneMetadata, previous: null, out endpoints, out _, out invalidLanes, out error);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            error = $"malformed JSON in 'hosts' ({ex.Message})";
            return false;
        }
    }

    // The reader is on the array's start. A host without ip or a valid port rejects the whole answer (it is
    // partial); a host whose lane tag is not a valid lane becomes unhealthy, never base. A host whose bytes are
    // the same as in the previous list (by 64-bit hash) keeps its endpoint: a refresh where one instance of
    // thousands changed builds one endpoint, and routing sees the same objects for the rest.
    private static bool ReadHosts(
        ref Utf8JsonReader reader,
        ReadOnlySpan<byte> json,
        LaneMetadata laneMetadata,
        IReadOnlyDictionary<ulong, ServiceEndpoint>? previous,
        out ServiceEndpoint[] endpoints,
        out Dictionary<ulong, ServiceEndpoint> byHost,
        out int invalidLanes,
        out string? error)
    {
        endpoints = [];
        byHost = new Dictionary<ulong, ServiceEndpoint>(previous?.Count ?? 0);
        invalidLanes = 0;
        error = null;
        Dictionary<ulong, MetadataEntry>? metadataCache = null;
        var result = new List<ServiceEndpoint>(previous?.Count ?? 4);
        if (previous is { Count: > 0 })
        {
            return ReadHostsReusing(ref reader, json, laneMetadata, previous, result, byHost, ref invalidLanes, out endpoints, out error);
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            var hostStart = (int)reader.TokenStartIndex;
            var endpoint = ReadHost(ref reader, json, 0, laneMetadata, ref metadataCache, ref invalidLanes, out error);
            if (endpoint is null)
            {
                return false;
            }

            result.Add(endpoint);
            byHost.TryAdd(XxHash3.HashToUInt64(json[hostStart..(int)reader.BytesConsumed]), endpoint);
        }

        if (reader.TokenType != JsonTokenType.EndArray)
        {
            error = "'hosts' holds something other than instances";
            return false;
        }

        endpoints = [.. result];
        return true;
    }

    private static readonly System.Buffers.SearchValues<byte> s_structural = System.Buffers.SearchValues.Create("{}\""u8);

    // Most hosts of a changed list are unchanged. Their ends are found with a vectorised structural scan instead of
    // a full tokenisation; a host whose bytes hash to one seen (and validated) before is reused as is, and only new
    // or changed hosts are parsed, each by its own reader. The main reader resumes at the array's end from its saved
    // state, so everything around the hosts array is still read and validated.
    private static bool ReadHostsReusing(
        ref Utf8JsonReader reader,
        ReadOnlySpan<byte> json,
        LaneMetadata laneMetadata,
        IReadOnlyDictionary<ulong, ServiceEndpoint> previous,
        List<ServiceEndpoint> result,
        Dictionary<ulong, ServiceEndpoint> byHost,
        ref int invalidLanes,
        out ServiceEndpoint[] endpoints,
        out string? error)
    {
        endpoints = [];
        error = null;
        Dictionary<ulong, MetadataEntry>? metadataCache = null;
        var arrayState = reader.CurrentState;
        var position = (int)reader.BytesConsumed;
        var expectValue = true;
        while (true)
        {
            position = SkipWhitespace(json, position);
            if (position >= json.Length)
            {
                error = "the answer ends inside 'hosts'";
                return false;
            }

            var next = json[position];
            if (next == (byte)']')
            {
                if (expectValue && result.Count > 0)
                {
                    error = "'hosts' ends with a trailing comma";
                    return false;
                }

                break;
            }

            if (!expectValue)
            {
                if (next != (byte)',')
                {
                    error = "'hosts' holds something other than instances";
                    return false;
                }

                position++;
                expectValue = true;
                continue;
            }

            if (next != (byte)'{' || FindObjectEnd(json, position) is not (> 0 and var hostEnd))
            {
                error = "'hosts' holds something other than instances";
                return false;
            }

            var hostHash = XxHash3.HashToUInt64(json[position..hostEnd]);
            if (!previous.TryGetValue(hostHash, out var endpoint))
            {
                var hostReader = new Utf8JsonReader(json[position..hostEnd], s_readerOptions);
                hostReader.Read();
                endpoint = ReadHost(ref hostReader, json, position, laneMetadata, ref metadataCache, ref invalidLanes, out error);
                if (endpoint is null)
                {
                    return false;
                }
            }

            result.Add(endpoint);
            byHost.TryAdd(hostHash, endpoint);
            position = hostEnd;
            expectValue = false;
        }

        reader = new Utf8JsonReader(json[position..], isFinalBlock: true, arrayState);
        if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray)
        {
            error = "'hosts' holds something other than instances";
            return false;
        }

        endpoints = [.. result];
        return true;
    }

    /// <summary>Whether the last byte that is not JSON whitespace closes an object, as every whole answer's does.</summary>
    internal static bool EndsAsAnObject(ReadOnlySpan<byte> json)
    {
        var end = json.TrimEnd(" \t\r\n"u8);
        return !end.IsEmpty && end[^1] == (byte)'}';
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> json, int position)
    {
        while (position < json.Length && json[position] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            position++;
        }

        return position;
    }

    // The index just past the object that starts at start, or -1 when it does not end; strings may hold braces.
    private static int FindObjectEnd(ReadOnlySpan<byte> json, int start)
    {
        var depth = 0;
        var i = start;
        while (i < json.Length)
        {
            var offset = json[i..].IndexOfAny(s_structural);
            if (offset < 0)
            {
                return -1;
            }

            i += offset;
            switch (json[i])
            {
                case (byte)'"':
                    i++;
                    while (true)
                    {
                        var quote = i < json.Length ? json[i..].IndexOfAny((byte)'"', (byte)'\\') : -1;
                        if (quote < 0)
                        {
                            return -1;
                        }

                        i += quote;
                        if (json[i] == (byte)'\\')
                        {
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    break;
                case (byte)'{':
                    depth++;
                    i++;
                    break;
                default:
                    i++;
                    if (--depth == 0)
                    {
                        return i;
                    }

                    break;
            }
        }

        return -1;
    }

    // The reader is on a host's start; offset turns its positions into positions in json.
    private static ServiceEndpoint? ReadHost(
        ref Utf8JsonReader reader,
        ReadOnlySpan<byte> json,
        int offset,
        LaneMetadata laneMetadata,
        ref Dictionary<ulong, MetadataEntry>? metadataCache,
        ref int invalidLanes,
        out string? error)
    {
        error = null;
        int ipStart = -1, ipLength = 0, metadataStart = -1, metadataLength = 0;
        var ipEscaped = false;
        var port = -1;
        var weight = 1.0;
        bool healthy = true, enabled = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            switch (Field(ref reader))
            {
                case HostField.Ip:
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        ipStart = offset + (int)reader.TokenStartIndex;
                        ipLength = reader.ValueSpan.Length + 2;
                        ipEscaped = reader.ValueIsEscaped;
                    }

                    reader.Skip();   // an object or array where a value belongs: step over all of it
                    break;
                case HostField.Port:
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out port))
                    {
                        port = -1;
                    }

                    reader.Skip();
                    break;
                case HostField.Weight:
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out weight) || !double.IsFinite(weight))
                    {
                        weight = 0;
                    }

                    reader.Skip();
                    break;
                case HostField.Healthy:
                    reader.Read();
                    healthy = reader.TokenType != JsonTokenType.False;
                    reader.Skip();
                    break;
                case HostField.Enabled:
                    reader.Read();
                    enabled = reader.TokenType != JsonTokenType.False;
                    reader.Skip();
                    break;
                case HostField.Metadata:
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        var start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        metadataStart = offset + start;
                        metadataLength = (int)reader.BytesConsumed - start;
                    }
                    else
                    {
                        reader.Skip();
                    }

                    break;
                default:
                    reader.Read();
                    reader.Skip();
                    break;
            }
        }

        if (ipStart < 0 || port is < 1 or > 65535)
        {
            error = "an instance has no valid 'ip' or 'port'";
            return null;
        }

        ReadAddress(json.Slice(ipStart, ipLength), ipEscaped, out var address, out var host);
        if (address is null && string.IsNullOrEmpty(host))
        {
            error = "an instance has an empty 'ip'";
            return null;
        }

        if (address is null && Uri.CheckHostName(host) != UriHostNameType.Dns)
        {
            // No request could be addressed to it: better the last good list than an instance that fails every call.
            error = "an instance's 'ip' is neither an IP address nor a host name";
            return null;
        }

        var metadata = metadataStart < 0
            ? MetadataEntry.Empty
            : GetMetadata(json, metadataStart, metadataLength, metadataCache ??= [], laneMetadata);
        if (!metadata.Valid)
        {
            invalidLanes++;
        }

        var instance = new ServiceInstance(
            CreateEndPoint(address, host, port, metadata.Secure),
            metadata.Lane,
            Math.Clamp(weight, 0, ServiceInstance.MaxWeight),
            healthy && enabled && metadata.Valid,
            metadata.Metadata);
        return instance.ToServiceEndpoint();
    }

    // quoted: the JSON string token with its quotes.
    private static void ReadAddress(ReadOnlySpan<byte> quoted, bool escaped, out IPAddress? address, out string? host)
    {
        address = null;
        host = null;
        var value = quoted[1..^1];
        Span<char> chars = stackalloc char[64];
        if (!escaped && value.Length <= chars.Length && IPAddress.TryParse(chars[..Encoding.UTF8.GetChars(value, chars)], out address))
        {
            return;
        }

        var reader = new Utf8JsonReader(quoted);
        reader.Read();
        host = reader.GetString();
    }

    // Most of an instance's fields are not needed: tell the wanted ones apart by length first.
    private static HostField Field(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped)
        {
            return reader.ValueTextEquals("ip"u8) ? HostField.Ip
                : reader.ValueTextEquals("port"u8) ? HostField.Port
                : reader.ValueTextEquals("weight"u8) ? HostField.Weight
                : reader.ValueTextEquals("healthy"u8) ? HostField.Healthy
                : reader.ValueTextEquals("enabled"u8) ? HostField.Enabled
                : reader.ValueTextEquals("metadata"u8) ? HostField.Metadata
                : HostField.Other;
        }

        var name = reader.ValueSpan;
        return name.Length switch
        {
            2 when name.SequenceEqual("ip"u8) => HostField.Ip,
            4 when name.SequenceEqual("port"u8) => HostField.Port,
            6 when name.SequenceEqual("weight"u8) => HostField.Weight,
            7 when name.SequenceEqual("healthy"u8) => HostField.Healthy,
            7 when name.SequenceEqual("enabled"u8) => HostField.Enabled,
            8 when name.SequenceEqual("metadata"u8) => HostField.Metadata,
            _ => HostField.Other,
        };
    }

    private static EndPoint CreateEndPoint(IPAddress? address, string? host, int port, bool secure)
    {
        if (secure)
        {
            var authority = address is null ? host : address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
            return new UriEndPoint(new Uri($"https://{authority}:{port}"));
        }

        return address is not null ? new IPEndPoint(address, port) : new DnsEndPoint(host!, port);
    }

    private static MetadataEntry GetMetadata(ReadOnlySpan<byte> json, int start, int length, Dictionary<ulong, MetadataEntry> cache, LaneMetadata laneMetadata)
    {
        var raw = json.Slice(start, length);
        var hash = XxHash3.HashToUInt64(raw);
        if (cache.TryGetValue(hash, out var cached) && json.Slice(cached.Start, cached.Length).SequenceEqual(raw))
        {
            return cached;
        }

        var dictionary = ReadMetadata(raw);
        var valid = laneMetadata.TryRead(dictionary, out var lane);
        var secure = dictionary.TryGetValue("secure", out var secureValue) && string.Equals(secureValue, "true", StringComparison.OrdinalIgnoreCase);
        var entry = new MetadataEntry(start, length, dictionary, lane, valid, secure);
        if (cache.Count < MaxMetadataCacheEntries)
        {
            cache.TryAdd(hash, entry);
        }

        return entry;
    }

    private static IReadOnlyDictionary<string, string> ReadMetadata(ReadOnlySpan<byte> raw)
    {
        var reader = new Utf8JsonReader(raw, s_readerOptions);
        reader.Read();
        Dictionary<string, string>? dictionary = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            string value;
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    value = reader.GetString()!;
                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    // Nacos metadata is string to string; anything nested is kept out.
                    reader.Skip();
                    continue;
                case JsonTokenType.Null:
                    value = string.Empty;
                    break;
                default:
                    value = Encoding.UTF8.GetString(reader.ValueSpan);
                    break;
            }

            (dictionary ??= new Dictionary<string, string>(StringComparer.Ordinal))[key] = value;
        }

        return dictionary ?? MetadataEntry.Empty.Metadata;
    }

    private static long FindNumber(ReadOnlySpan<byte> json, ReadOnlySpan<byte> key)
    {
        var at = json.IndexOf(key);
        if (at < 0)
        {
            return 0;
        }

        var start = SkipColon(json, at + key.Length);
        return Utf8Parser.TryParse(json[start..], out long value, out _) ? value : 0;
    }

    private static int SkipColon(ReadOnlySpan<byte> json, int index)
    {
        while (index < json.Length && json[index] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)':')
        {
            index++;
        }

        return index;
    }

    private enum HostField
    {
        Other,
        Ip,
        Port,
        Weight,
        Healthy,
        Enabled,
        Metadata,
    }

    private sealed record MetadataEntry(int Start, int Length, IReadOnlyDictionary<string, string> Metadata, Lane Lane, bool Valid, bool Secure)
    {
        public static readonly MetadataEntry Empty = new(0, 0, System.Collections.Frozen.FrozenDictionary<string, string>.Empty, Lane.Base, Valid: true, Secure: false);
    }
}
