using System.Net;
using System.Text;
using Lanes.Discovery;
using Lanes.Nacos.Discovery;
using Lanes.Nacos.Subscriptions;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Nacos.Tests.Subscriptions;

public sealed class ServiceInfoParserTests
{
    private static readonly LaneMetadata s_lanes = new(new NacosLaneMetadataOptions());

    [Fact]
    public void Header_ReadsName()
    {
        Assert.True(ServiceInfoParser.TryReadHeader("""{"name":"G@@svc","groupName":"G","cacheMillis":3000,"hosts":[]}"""u8, out var header, out _));

        Assert.Equal("G@@svc", header.Name);
        Assert.Null(header.GroupName);   // a grouped name says it all: reading stops there
    }

    [Fact]
    public void Summary_ReadsLastRefTimeAndCacheMillis()
    {
        var summary = ServiceInfoParser.Summarize("""{"name":"G@@svc","cacheMillis":3000,"hosts":[],"lastRefTime": 42,"checksum":""}"""u8);

        Assert.Equal(3000, summary.CacheMillis);
        Assert.Equal(42, summary.LastRefTime);
    }

    [Fact]
    public void Summary_HashIgnoresOnlyLastRefTime()
    {
        var a = ServiceInfoParser.Summarize("""{"hosts":[{"ip":"1.2.3.4","port":1}],"lastRefTime":1}"""u8);
        var b = ServiceInfoParser.Summarize("""{"hosts":[{"ip":"1.2.3.4","port":1}],"lastRefTime":1234567}"""u8);
        var c = ServiceInfoParser.Summarize("""{"hosts":[{"ip":"1.2.3.5","port":1}],"lastRefTime":1}"""u8);

        Assert.Equal(a.Hash, b.Hash);
        Assert.NotEqual(a.Hash, c.Hash);
    }

    [Theory]
    [InlineData("""{"hosts":[]}x""")]
    [InlineData("""{"hosts":[]} {}""")]
    [InlineData("""{"hosts":[{"ip":"1.2.3.4","port":1}]""")]
    [InlineData("""[]""")]
    [InlineData("""{"hosts":[],"hosts":[]}""")]
    public void Instances_RejectsTruncatedOrTrailingInput(string json)
    {
        Assert.False(ServiceInfoParser.TryReadInstances(Encoding.UTF8.GetBytes(json), s_lanes, null, out _, out _, out _, out var error));
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("""{"hosts":[{"ip":"1.2.3.4","port":1},{"ip":"1.2.3.9","port":1}]""")]
    [InlineData("""{"hosts":[{"ip":"1.2.3.4","port":1},{"ip":"1.2.3.9","port":1}]}x""")]
    [InlineData("""{"hosts":[{"ip":"1.2.3.4","port":1} {"ip":"1.2.3.9","port":1}]}""")]
    [InlineData("""{"hosts":[{"ip":"1.2.3.4","port":1},{"ip":"1.2.3.9","port":1,}]}""")]
    [InlineData("""{"hosts":[{"ip":"1.2.3.4","port":1},{"ip":"1.2.3.9","port":1},]}""")]
    [InlineData("""{"hosts":[{"ip":"1.2.3.4","port":1},7]}""")]
    [InlineData("""{"hosts":[{"ip":"1.2.3.4","port":1},{"ip":"1.2.3.9\"}, "port":1}]}""")]
    [InlineData("""{"hosts":[{"ip":"1.2.3.4","port":1},{"ip":"1.2.3.9","port":1}],"name":}""")]
    public void Instances_WithAPreviousList_StillRejectsMalformedInput(string json)
    {
        Assert.True(ServiceInfoParser.TryReadInstances("""{"hosts":[{"ip":"1.2.3.4","port":1}]}"""u8, s_lanes, null, out _, out var previous, out _, out _));

        Assert.False(ServiceInfoParser.TryReadInstances(Encoding.UTF8.GetBytes(json), s_lanes, previous, out _, out _, out _, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Instances_WithAPreviousList_ReusesUnchangedHosts_AndReadsBracesInStrings()
    {
        Assert.True(ServiceInfoParser.TryReadInstances("""{"hosts":[{"ip":"1.2.3.4","port":1,"metadata":{"note":"a}b{\"c"}}]}"""u8, s_lanes, null, out var first, out var previous, out _, out _));

        Assert.True(
            ServiceInfoParser.TryReadInstances(
                """{"name":"svc","hosts":[ {"ip":"1.2.3.4","port":1,"metadata":{"note":"a}b{\"c"}} , {"ip":"1.2.3.9","port":2,"metadata":{"alicloud.service.tag":"gray"}} ],"lastRefTime":5}"""u8,
                s_lanes,
                previous,
                out var second,
                out _,
                out _,
                out var error),
            error);

        Assert.Equal(2, second.Length);
        Assert.Same(first[0], second[0]);
        Assert.Equal("gray", ServiceInstance.From(second[1])!.Lane.Name);
    }

    [Theory]
    [InlineData("""{"alicloud.service.tag":"gray"}""", "gray")]
    [InlineData("""{"opensergo.io/canary-blue":"blue"}""", "blue")]
    [InlineData("""{"opensergo.io/canary-blue":""}""", "blue")]
    [InlineData("""{"opensergo.io/canary":""}""", "base")]
    [InlineData("""{"version":"1.2"}""", "base")]
    [InlineData("""{}""", "base")]
    public void Lane_IsReadTheWayMseWritesIt(string metadata, string lane)
    {
        var instance = Single($$"""[{"ip":"10.0.0.1","port":80,"metadata":{{metadata}}}]""");

        Assert.Equal(Lane.Parse(lane), instance.Lane);
        Assert.True(instance.Healthy);
    }

    [Fact]
    public void InvalidLaneTag_NeverServesBase()
    {
        Assert.True(ServiceInfoParser.TryReadHosts(Encoding.UTF8.GetBytes("""[{"ip":"10.0.0.1","port":80,"metadata":{"alicloud.service.tag":"Not A Lane!"}}]"""), s_lanes, out var endpoints, out var invalid, out _));

        var instance = ServiceInstance.From(Assert.Single(endpoints))!;
        Assert.Equal(1, invalid);
        Assert.False(instance.Healthy);
    }

    [Fact]
    public void Fields_MapToInstance()
    {
        Assert.True(ServiceInfoParser.TryReadHosts(Encoding.UTF8.GetBytes("""
            [{"ip":"10.0.0.1","port":80,"weight":20000,"healthy":true,"enabled":false,"metadata":{"k":"v"}},
             {"ip":"fe80::1","port":81,"weight":0.5,"healthy":false},
             {"ip":"orders.internal","port":82},
             {"ip":"10.0.0.4","port":8443,"metadata":{"secure":"true"}}]
            """), s_lanes, out var endpoints, out _, out _));

        var instances = endpoints.Select(e => ServiceInstance.From(e)!).ToArray();
        Assert.Equal(ServiceInstance.MaxWeight, instances[0].Weight);           // clamped
        Assert.False(instances[0].Healthy);                                      // disabled
        Assert.Equal("v", instances[0].Metadata["k"]);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 80), instances[0].EndPoint);
        Assert.Equal(IPAddress.Parse("fe80::1"), ((IPEndPoint)instances[1].EndPoint).Address);
        Assert.Equal(0.5, instances[1].Weight);
        Assert.False(instances[1].Healthy);
        Assert.Equal(new DnsEndPoint("orders.internal", 82), instances[2].EndPoint);
        Assert.Equal(new Uri("https://10.0.0.4:8443"), ((UriEndPoint)instances[3].EndPoint).Uri);
    }

    [Fact]
    public void IdenticalMetadata_IsShared()
    {
        Assert.True(ServiceInfoParser.TryReadHosts(Encoding.UTF8.GetBytes("""
            [{"ip":"10.0.0.1","port":80,"metadata":{"opensergo.io/canary-gray":"gray"}},
             {"ip":"10.0.0.2","port":80,"metadata":{"opensergo.io/canary-gray":"gray"}}]
            """), s_lanes, out var endpoints, out _, out _));

        Assert.Same(ServiceInstance.From(endpoints[0])!.Metadata, ServiceInstance.From(endpoints[1])!.Metadata);
    }

    [Fact]
    public void UnchangedHosts_KeepTheirEndpoints()
    {
        var first = Encoding.UTF8.GetBytes("""{"hosts":[{"ip":"10.0.0.1","port":80},{"ip":"10.0.0.2","port":80}],"lastRefTime":1}""");
        var second = Encoding.UTF8.GetBytes("""{"hosts":[{"ip":"10.0.0.1","port":80},{"ip":"10.0.0.2","port":81}],"lastRefTime":2}""");
        Assert.True(ServiceInfoParser.TryReadInstances(first, s_lanes, null, out var before, out var byHost, out _, out _));

        Assert.True(ServiceInfoParser.TryReadInstances(second, s_lanes, byHost, out var after, out _, out _, out _));

        Assert.Same(before[0], after[0]);
        Assert.NotSame(before[1], after[1]);
        Assert.Equal(81, ((IPEndPoint)after[1].EndPoint).Port);
    }

    [Theory]
    [InlineData("""[{"port":80}]""")]
    [InlineData("""[{"ip":"10.0.0.1","port":0}]""")]
    [InlineData("""[{"ip":"10.0.0.1","port":"80"}]""")]
    [InlineData("""[1,2]""")]
    public void PartialHosts_AreRejected(string hosts)
    {
        Assert.False(ServiceInfoParser.TryReadHosts(Encoding.UTF8.GetBytes(hosts), s_lanes, out _, out _, out var error));
        Assert.NotNull(error);
    }

    private static ServiceInstance Single(string hosts)
    {
        Assert.True(ServiceInfoParser.TryReadHosts(Encoding.UTF8.GetBytes(hosts), s_lanes, out ServiceEndpoint[] endpoints, out _, out var error), error);
        return ServiceInstance.From(Assert.Single(endpoints))!;
    }
}
