using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Lanes.Nacos.Client;
using Lanes.Nacos.Discovery;
using Lanes.Nacos.Grpc;
using Lanes.Nacos.Subscriptions;

namespace Lanes.Nacos.Tests.Grpc;

/// <summary>Hostile and well-formed gRPC payload bodies, and the v3 list answer, read without ever throwing.</summary>
public sealed class NacosGrpcBodyTests
{
    private static readonly LaneMetadata s_lanes = new(new NacosLaneMetadataOptions());

    [Property(MaxTest = 2000)]
    public Property AnyBytes_AreReadOrRejected_NeverThrown(byte[] bytes)
    {
        var read = NacosGrpcBody.TryRead(bytes, out var body, out var error);
        var v3 = V3ServiceInfo.FromListAnswer(bytes, new NacosServiceName("g", "s"), out var v3Error);
        v3?.Dispose();
        return (read ? error is null && (body.ServiceInfoStart < 0 || body.ServiceInfoStart + body.ServiceInfoLength <= bytes.Length) : error is not null)
            .And(v3 is not null || v3Error is not null);
    }

    [Property(MaxTest = 500)]
    public Property NotifySubscriberBody_RoundTripsItsServiceInfo()
    {
        return Prop.ForAll(Hosts().ToArbitrary(), hosts =>
        {
            var json = Notify(hosts);
            if (!NacosGrpcBody.TryRead(json, out var body, out _) || body.RequestId != "r-7" || body.ServiceInfoStart < 0)
            {
                return false;
            }

            var info = json.AsSpan(body.ServiceInfoStart, body.ServiceInfoLength);
            return ServiceInfoParser.TryReadInstances(info, s_lanes, null, out var endpoints, out _, out _, out _)
                && endpoints.Select(e => e.EndPoint.ToString()).SequenceEqual(hosts.Select(h => $"{h.Ip}:{h.Port}"));
        });
    }

    [Property(MaxTest = 200)]
    public Property EveryStrictPrefix_OfABody_IsRejected()
    {
        return Prop.ForAll(Hosts().ToArbitrary(), hosts =>
        {
            var json = Notify(hosts);
            for (var length = 0; length < json.Length; length++)
            {
                if (NacosGrpcBody.TryRead(json.AsSpan(0, length), out _, out _))
                {
                    return false;
                }
            }

            return true;
        });
    }

    [Property(MaxTest = 500)]
    public Property V3ListAnswer_BecomesTheServiceInfoOfTheSameHosts()
    {
        return Prop.ForAll(Hosts().ToArbitrary(), hosts =>
        {
            var array = new JsonArray([.. hosts.Select(h => (JsonNode)Host(h))]);
            var answer = Encoding.UTF8.GetBytes(new JsonObject { ["code"] = 0, ["message"] = "success", ["data"] = array }.ToJsonString());
            using var info = V3ServiceInfo.FromListAnswer(answer, new NacosServiceName("DEFAULT_GROUP", "orders"), out _);
            return info is not null
                && ServiceInfoParser.TryReadHeader(info.Span, out var header, out _) && header.Name == "DEFAULT_GROUP@@orders"
                && ServiceInfoParser.TryReadInstances(info.Span, s_lanes, null, out var endpoints, out _, out _, out _)
                && endpoints.Select(e => e.EndPoint.ToString()).SequenceEqual(hosts.Select(h => $"{h.Ip}:{h.Port}"));
        });
    }

    private static Gen<(string Ip, int Port)[]> Hosts() =>
        (from a in Gen.Choose(1, 254) from b in Gen.Choose(0, 255) from port in Gen.Choose(1, 65535) select ($"10.{a}.{b}.1", port))
            .ArrayOf().Where(h => h.Length < 20);

    private static byte[] Notify((string Ip, int Port)[] hosts) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["namespace"] = "public",
        ["serviceName"] = "orders",
        ["groupName"] = "DEFAULT_GROUP",
        ["serviceInfo"] = new JsonObject
        {
            ["name"] = "orders",
            ["groupName"] = "DEFAULT_GROUP",
            ["cacheMillis"] = 10000,
            ["hosts"] = new JsonArray([.. hosts.Select(h => (JsonNode)Host(h))]),
            ["lastRefTime"] = 1,
        },
        ["module"] = "naming",
        ["requestId"] = "r-7",
    }.ToJsonString());

    private static JsonObject Host((string Ip, int Port) h) => new()
    {
        ["ip"] = h.Ip,
        ["port"] = h.Port,
        ["weight"] = 1.0,
        ["healthy"] = true,
        ["enabled"] = true,
        ["metadata"] = new JsonObject { ["opensergo.io/canary"] = string.Empty },
    };
}
