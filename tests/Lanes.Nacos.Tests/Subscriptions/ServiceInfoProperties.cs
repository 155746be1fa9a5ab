using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Lanes.Discovery;
using Lanes.Nacos.Discovery;
using Lanes.Nacos.Subscriptions;
using Lanes.Nacos.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Nacos.Tests.Subscriptions;

/// <summary>
/// Nacos instance lists and push packets, 10,000 cases each: what a server writes is read back exactly, reading with
/// the previous list is the same as reading without it, a cut-short answer is never taken, and no input makes the
/// readers throw.
/// </summary>
public sealed class ServiceInfoProperties
{
    private const int Cases = 10_000;
    private static readonly LaneMetadata s_lanes = new(new NacosLaneMetadataOptions());
    private static readonly IPEndPoint s_sender = new(IPAddress.Loopback, 1);

    [Property(MaxTest = Cases)]
    public Property Answer_ReadsBackTheHostsItWasWrittenFrom() =>
        Prop.ForAll(Answers(maxHosts: 6).ToArbitrary(), answer =>
        {
            var json = answer.ToUtf8();
            var read = ServiceInfoParser.TryReadInstances(json, s_lanes, null, out var endpoints, out _, out _, out var error);
            var expected = string.Join("\n", answer.Hosts.Select(Expected));
            var actual = read ? string.Join("\n", Describe(endpoints)) : "rejected: " + error;
            return (expected == actual).Label($"{Encoding.UTF8.GetString(json)}\nexpected:\n{expected}\nactual:\n{actual}");
        });

    [Property(MaxTest = Cases)]
    public Property Answer_ReadWithThePreviousList_IsTheSameAsReadWithout()
    {
        var pairs = from previous in Answers(maxHosts: 6)
                    from kept in Gen.SubListOf(previous.Hosts)
                    from added in Gen.Choose(0, 3).SelectMany(n => HostGen.ArrayOf(n))
                    from order in Gen.Shuffle(kept.Concat(added).ToArray())
                    from next in Answers(maxHosts: 0)
                    select (previous, next: next with { Hosts = order });
        return Prop.ForAll(pairs.ToArbitrary(), pair =>
        {
            Assert.True(ServiceInfoParser.TryReadInstances(pair.previous.ToUtf8(), s_lanes, null, out _, out var byHost, out _, out _));
            var json = pair.next.ToUtf8();
            var withPrevious = ServiceInfoParser.TryReadInstances(json, s_lanes, byHost, out var reused, out var reusedByHost, out _, out _);
            var without = ServiceInfoParser.TryReadInstances(json, s_lanes, null, out var fresh, out var freshByHost, out _, out _);
            return withPrevious && without
                && Describe(reused).SequenceEqual(Describe(fresh))
                && reusedByHost.Keys.Order().SequenceEqual(freshByHost.Keys.Order());
        });
    }

    [Property(MaxTest = Cases)]
    public Property Answer_CutShortAnywhere_IsRejected_WithOrWithoutThePreviousList()
    {
        // Small answers (every prefix is parsed twice): one host kept from the previous list, one new.
        var pairs = from previous in Answers(maxHosts: 1, small: true)
                    from next in Answers(maxHosts: 1, small: true)
                    from kept in Gen.SubListOf(previous.Hosts)
                    select (previous, next: next with { Hosts = [.. kept, .. next.Hosts] });
        return Prop.ForAll(pairs.ToArbitrary(), pair =>
        {
            Assert.True(ServiceInfoParser.TryReadInstances(pair.previous.ToUtf8(), s_lanes, null, out _, out var byHost, out _, out _));
            var json = pair.next.ToUtf8();
            for (var length = 0; length < json.Length; length++)
            {
                if (ServiceInfoParser.TryReadInstances(json.AsSpan(0, length), s_lanes, null, out _, out _, out _, out _)
                    || ServiceInfoParser.TryReadInstances(json.AsSpan(0, length), s_lanes, byHost, out _, out _, out _, out _))
                {
                    return false.Label($"the first {length} of {json.Length} bytes were taken as an answer");
                }
            }

            return true.ToProperty();
        });
    }

    [Property(MaxTest = Cases)]
    public Property AnyBytes_NeverMakeTheReadersThrow_AndWhatTheyTakeIsWellFormed()
    {
        var inputs = Gen.OneOf(
            ArbMap.Default.GeneratorFor<byte[]>(),
            from answer in Answers(maxHosts: 3, small: true)
            from edits in Gen.Choose(1, 4).SelectMany(n => Gen.Zip(Gen.Choose(0, 10_000), ArbMap.Default.GeneratorFor<byte>()).ArrayOf(n))
            select Mutate(answer.ToUtf8(), edits));
        return Prop.ForAll(inputs.ToArbitrary(), Answers(maxHosts: 3, small: true).ToArbitrary(), (bytes, previousAnswer) =>
        {
            Assert.True(ServiceInfoParser.TryReadInstances(previousAnswer.ToUtf8(), s_lanes, null, out _, out var byHost, out _, out _));
            _ = ServiceInfoParser.Summarize(bytes);
            _ = ServiceInfoParser.TryReadHeader(bytes, out _, out _);
            var taken = ServiceInfoParser.TryReadInstances(bytes, s_lanes, null, out var endpoints, out _, out _, out var error);
            var takenReusing = ServiceInfoParser.TryReadInstances(bytes, s_lanes, byHost, out var reused, out _, out _, out var reusingError);
            var fresh = taken ? string.Join("\n", Describe(endpoints)) : "rejected: " + error;
            var reusing = takenReusing ? string.Join("\n", Describe(reused)) : "rejected: " + reusingError;
            return (taken == takenReusing && (taken ? error is null && fresh == reusing && endpoints.All(WellFormed) : error is not null))
                .Label($"{Encoding.UTF8.GetString(bytes)}\nwithout the previous list: {fresh}\nwith it: {reusing}");
        });
    }

    [Fact]
    public async Task PushPacket_DeliversExactlyTheServiceInfoItCarries_AndIsAcknowledged()
    {
        await using var push = await PushReceiver.StartAsync();
        CheckAll(Prop.ForAll(Answers(maxHosts: 4).ToArbitrary(), ArbMap.Default.GeneratorFor<long>().ToArbitrary(), ArbMap.Default.GeneratorFor<bool>().ToArbitrary(), (answer, lastRefTime, gzip) =>
        {
            var data = answer.ToUtf8();
            var packet = Envelope(Encoding.UTF8.GetString(data), lastRefTime);
            var ack = push.Receiver.Handle(null, gzip ? Gzip(packet) : packet, s_sender);
            return ack == $$"""{"type":"push-ack","lastRefTime":{{lastRefTime.ToString(CultureInfo.InvariantCulture)}},"data":""}"""
                && push.Delivered.Count == 1 && push.Delivered.Dequeue().AsSpan().SequenceEqual(data);
        }));
    }

    [Fact]
    public async Task PushPacket_CutShortAnywhere_IsDropped_AndAGzipCutShortNeverDeliversGarbage()
    {
        await using var push = await PushReceiver.StartAsync();
        CheckAll(Prop.ForAll(Answers(maxHosts: 1, small: true).ToArbitrary(), answer =>
        {
            var data = answer.ToUtf8();
            var packet = Envelope(Encoding.UTF8.GetString(data), 7);
            for (var length = 0; length < packet.Length; length++)
            {
                if (push.Receiver.Handle(null, packet.AsMemory(0, length), s_sender) is not null || push.Delivered.Count != 0)
                {
                    return false.Label($"the first {length} of {packet.Length} bytes were taken as a packet");
                }
            }

            var gzipped = Gzip(packet);
            for (var length = 0; length < gzipped.Length; length++)
            {
                _ = push.Receiver.Handle(null, gzipped.AsMemory(0, length), s_sender);

                // Cutting only the gzip trailer may leave the whole packet readable; anything less must not be delivered.
                if (push.Delivered.TryDequeue(out var delivered) && !delivered.AsSpan().SequenceEqual(data))
                {
                    return false.Label($"the first {length} of {gzipped.Length} gzipped bytes delivered something else");
                }
            }

            return true.ToProperty();
        }));
    }

    [Fact]
    public async Task AnyPacket_NeverMakesTheReceiverThrow()
    {
        await using var push = await PushReceiver.StartAsync();
        var packets = Gen.OneOf(
            ArbMap.Default.GeneratorFor<byte[]>(),
            ArbMap.Default.GeneratorFor<byte[]>().Select(b => (byte[])[0x1F, 0x8B, .. b]),
            from answer in Answers(maxHosts: 2, small: true)
            from gzip in ArbMap.Default.GeneratorFor<bool>()
            from edits in Gen.Choose(1, 4).SelectMany(n => Gen.Zip(Gen.Choose(0, 10_000), ArbMap.Default.GeneratorFor<byte>()).ArrayOf(n))
            let packet = Envelope(Encoding.UTF8.GetString(answer.ToUtf8()), 1)
            select Mutate(gzip ? Gzip(packet) : packet, edits));
        CheckAll(Prop.ForAll(packets.ToArbitrary(), packet =>
        {
            _ = push.Receiver.Handle(null, packet, s_sender);
            push.Delivered.Clear();
            return true;
        }));
    }

    // The receiver lives for the whole run: the property is checked here, before it is disposed.
    private static void CheckAll(Property property) => Check.One(Config.QuickThrowOnFailure.WithMaxTest(Cases), property);

    // ---- generators and helpers ----

    private static readonly Gen<string> SafeText = Text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./", 1, 12);

    // Characters a JSON writer must escape, non-ASCII and a surrogate pair (kept whole: a lone half is not text).
    private static readonly Gen<string> AnyText = Gen.OneOf(
        SafeText,
        Gen.Choose(0, 10).SelectMany(n => Gen.Elements("a", "b", " ", "\"", "\\", "/", "\t", "\n", "\u0001", "é", "€", "😀", "<", ">", "&", "'", "{", "}", "[", "]", ":", ",").ArrayOf(n)).Select(string.Concat));

    private static readonly Gen<string> LaneName = Gen.Elements("gray", "blue", "canary-2", "g.1");

    private static readonly Gen<string> Address = Gen.OneOf(
        Gen.Choose(0, 255).ArrayOf(4).Select(o => string.Join('.', o)),
        Gen.Choose(0, 255).ArrayOf(16).Select(b => new IPAddress(b.Select(x => (byte)x).ToArray()).ToString()),
        Text("abcdefghijklmnopqrstuvwxyz", 1, 8).SelectMany(label => Gen.Elements("", ".svc", ".default.svc.cluster.local").Select(suffix => label + suffix)));

    private static readonly Gen<KeyValuePair<string, string>> MetadataEntry = Gen.OneOf(
        LaneName.Select(l => KeyValuePair.Create("opensergo.io/canary-" + l, l)),
        Gen.Elements("gray", "Not A Lane", "").Select(v => KeyValuePair.Create("alicloud.service.tag", v)),
        Gen.Constant(KeyValuePair.Create("opensergo.io/canary", "")),
        Gen.Elements("true", "false", "TRUE").Select(v => KeyValuePair.Create("secure", v)),
        Gen.Zip(AnyText, AnyText).Select(t => KeyValuePair.Create(t.Item1, t.Item2)));

    private static readonly Gen<HostModel> HostGen =
        from ip in Address
        from port in Gen.Choose(1, 65535)
        from weight in Gen.OneOf(Gen.Elements(0d, 0.5, 1, 2.25, 100, 10_000, 20_000), Gen.Choose(0, 1_000_000).Select(w => w / 100d))
        from healthy in ArbMap.Default.GeneratorFor<bool>()
        from enabled in ArbMap.Default.GeneratorFor<bool>()
        from metadata in Gen.Choose(0, 3).SelectMany(n => MetadataEntry.ArrayOf(n))
        from order in Gen.Choose(0, 2)
        select new HostModel(ip, port, weight, healthy, enabled, metadata.DistinctBy(m => m.Key).ToArray(), order);

    private static Gen<Answer> Answers(int maxHosts, bool small = false) =>
        from name in SafeText
        from hosts in Gen.Choose(0, maxHosts).SelectMany(n => HostGen.ArrayOf(n))
        from cacheMillis in Gen.Choose(0, 60_000)
        from lastRefTime in Gen.Choose(0, int.MaxValue)
        from escapeAll in ArbMap.Default.GeneratorFor<bool>()
        select new Answer(name, small ? [.. hosts.Select(h => h with { Metadata = [.. h.Metadata.Take(1)] })] : hosts, cacheMillis, lastRefTime, escapeAll, small);

    private static Gen<string> Text(string alphabet, int min, int max) =>
        Gen.Choose(min, max).SelectMany(n => Gen.Elements(alphabet.ToCharArray()).ArrayOf(n)).Select(a => new string(a));

    private static string Expected(HostModel host)
    {
        var metadata = host.Metadata.ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);
        var valid = s_lanes.TryRead(metadata, out var lane);
        var secure = metadata.TryGetValue("secure", out var s) && string.Equals(s, "true", StringComparison.OrdinalIgnoreCase);
        EndPoint endpoint;
        if (IPAddress.TryParse(host.Ip, out var address))
        {
            endpoint = secure
                ? new UriEndPoint(new Uri($"https://{(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString())}:{host.Port}"))
                : new IPEndPoint(address, host.Port);
        }
        else
        {
            endpoint = secure ? new UriEndPoint(new Uri($"https://{host.Ip}:{host.Port}")) : new DnsEndPoint(host.Ip, host.Port);
        }

        return Describe(new ServiceInstance(endpoint, lane, Math.Clamp(host.Weight, 0, ServiceInstance.MaxWeight), host.Healthy && host.Enabled && valid, metadata));
    }

    private static IEnumerable<string> Describe(ServiceEndpoint[] endpoints) => endpoints.Select(e => Describe(ServiceInstance.From(e)!));

    private static string Describe(ServiceInstance instance) =>
        $"{instance.EndPoint}|{instance.Lane}|{instance.Weight.ToString(CultureInfo.InvariantCulture)}|{instance.Healthy}|"
        + string.Join(";", instance.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key}={m.Value}"));

    private static bool WellFormed(ServiceEndpoint endpoint) =>
        ServiceInstance.From(endpoint) is { } instance && instance.Weight is >= 0 and <= ServiceInstance.MaxWeight && endpoint.EndPoint switch
        {
            IPEndPoint ip => ip.Port is > 0 and <= 65535,
            DnsEndPoint dns => dns.Port is > 0 and <= 65535 && dns.Host.Length > 0,
            UriEndPoint uri => uri.Uri.IsAbsoluteUri,
            _ => false,
        };

    private static byte[] Mutate(byte[] bytes, (int Position, byte Value)[] edits)
    {
        var result = bytes.ToList();
        foreach (var (position, value) in edits)
        {
            if (result.Count == 0)
            {
                result.Add(value);
                continue;
            }

            var at = position % result.Count;
            switch (position % 3)
            {
                case 0:
                    result[at] = value;
                    break;
                case 1:
                    result.RemoveRange(at, Math.Min(value % 16 + 1, result.Count - at));
                    break;
                default:
                    result.InsertRange(at, result.Skip(at).Take(value % 16 + 1).ToList());
                    break;
            }
        }

        return [.. result];
    }

    private static byte[] Envelope(string data, long lastRefTime) =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["type"] = "dom", ["data"] = data, ["lastRefTime"] = lastRefTime });

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    internal sealed record HostModel(string Ip, int Port, double Weight, bool Healthy, bool Enabled, KeyValuePair<string, string>[] Metadata, int FieldOrder);

    internal sealed record Answer(string Service, HostModel[] Hosts, int CacheMillis, long LastRefTime, bool EscapeAll, bool Compact)
    {
        // As Nacos writes /v1/ns/instance/list, field order varied, strings escaped strictly or loosely.
        public byte[] ToUtf8()
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = EscapeAll ? JavaScriptEncoder.Default : JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                var grouped = "DEFAULT_GROUP@@" + Service;
                writer.WriteStartObject();
                writer.WriteString("name", grouped);
                writer.WriteString("groupName", "DEFAULT_GROUP");
                if (!Compact)
                {
                    writer.WriteString("clusters", "");
                }

                writer.WriteNumber("cacheMillis", CacheMillis);
                writer.WriteStartArray("hosts");
                foreach (var host in Hosts)
                {
                    WriteHost(writer, host, grouped);
                }

                writer.WriteEndArray();
                writer.WriteNumber("lastRefTime", LastRefTime);
                if (!Compact)
                {
                    writer.WriteString("checksum", "");
                    writer.WriteBoolean("allIPs", false);
                    writer.WriteBoolean("reachProtectionThreshold", false);
                    writer.WriteBoolean("valid", true);
                }

                writer.WriteEndObject();
            }

            return buffer.ToArray();
        }

        private void WriteHost(Utf8JsonWriter writer, HostModel host, string grouped)
        {
            writer.WriteStartObject();
            if (!Compact)
            {
                writer.WriteString("instanceId", $"{host.Ip}#{host.Port}#DEFAULT#{grouped}");
            }

            void Address()
            {
                writer.WriteString("ip", host.Ip);
                writer.WriteNumber("port", host.Port);
            }

            void State()
            {
                writer.WriteNumber("weight", host.Weight);
                writer.WriteBoolean("healthy", host.Healthy);
                writer.WriteBoolean("enabled", host.Enabled);
                if (!Compact)
                {
                    writer.WriteBoolean("ephemeral", true);
                    writer.WriteString("clusterName", "DEFAULT");
                }
            }

            void Metadata()
            {
                writer.WriteStartObject("metadata");
                foreach (var (key, value) in host.Metadata)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            switch (host.FieldOrder)
            {
                case 0:
                    Address();
                    State();
                    Metadata();
                    break;
                case 1:
                    Metadata();
                    State();
                    Address();
                    break;
                default:
                    State();
                    Address();
                    Metadata();
                    break;
            }

            if (!Compact)
            {
                writer.WriteNumber("instanceHeartBeatInterval", 5000);
                writer.WriteNumber("instanceHeartBeatTimeOut", 15000);
            }

            writer.WriteEndObject();
        }
    }

    /// <summary>A started push receiver whose deliveries are recorded instead of applied.</summary>
    private sealed class PushReceiver : IAsyncDisposable
    {
        private PushReceiver(NacosPushReceiver receiver) => Receiver = receiver;

        public NacosPushReceiver Receiver { get; }

        public Queue<byte[]> Delivered { get; } = new();

        public static Task<PushReceiver> StartAsync()
        {
            var options = new NacosOptions { Push = { Enabled = true, BindAddress = "127.0.0.1", UdpPort = 0, MaxDecompressedBytes = 1024 * 1024 } };
            var push = new PushReceiver(new NacosPushReceiver(Options.Create(options), NullLogger<NacosPushReceiver>.Instance));
            Assert.True(push.Receiver.TryStart(new RecordingTarget(push.Delivered)));
            return Task.FromResult(push);
        }

        private sealed class RecordingTarget(Queue<byte[]> delivered) : INacosPushTarget
        {
            public PushOutcome OnPush(ReadOnlySpan<byte> serviceInfo)
            {
                delivered.Enqueue(serviceInfo.ToArray());
                return PushOutcome.Accepted;
            }
        }

        public ValueTask DisposeAsync() => Receiver.DisposeAsync();
    }
}
