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
    public void Header_ReadsNameCacheMillisAndLastRefTime()
    {
        var json = """{"name":"G@@svc","groupName":"G","cacheMillis":3000,"hosts":[],"lastRefTime":42,"checksum":""}"""u8;

        Assert.True(ServiceInfoParser.TryReadHeader(json, out var header, out _));

        Assert.Equal("G@@svc", header.Name);
        Assert.Equal("G", header.GroupName);
        Assert.Equal(3000, header.CacheMillis);
        Assert.Equal(42, header.LastRefTime);
    }

    [Fact]
    public void Header_HashIgnoresEverythingButHosts()
    {
        Assert.True(ServiceInfoParser.TryReadHeader("""{"lastRefTime":1,"hosts":[{"ip":"1.2.3.4","port":1}]}"""u8, out var a, out _));
        Assert.True(ServiceInfoParser.TryReadHeader("""{"lastRefTime":2,"hosts":[{"ip":"1.2.3.4","port":1}],"cacheMillis":5}"""u8, out var b, out _));
        Assert.True(ServiceInfoParser.TryReadHeader("""{"lastRefTime":2,"hosts":[{"ip":"1.2.3.5","port":1}]}"""u8, out var c, out _));

        Assert.Equal(a.HostsHash, b.HostsHash);
        Assert.NotEqual(a.HostsHash, c.HostsHash);
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
