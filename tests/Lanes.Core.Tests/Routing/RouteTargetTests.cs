using System.Net;
using Lanes.Discovery;
using Lanes.Routing;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Tests.Routing;

public class RouteTargetTests
{
    [Fact]
    public void Rewrite_ReplacesTheAuthority_AndKeepsPathAndQuery()
    {
        var target = Target(new IPEndPoint(IPAddress.Loopback, 5001));

        Assert.Equal("http://127.0.0.1:5001/items/42?x=1", target.Rewrite(new Uri("http://orders/items/42?x=1")).AbsoluteUri);
    }

    [Fact]
    public void Rewrite_OfTheSameServiceUri_ReusesTheRewrittenUri()
    {
        var target = Target(new IPEndPoint(IPAddress.Loopback, 5001));

        var first = target.Rewrite(new Uri("http://orders/items/42"));
        var second = target.Rewrite(new Uri("http://orders/items/42"));

        Assert.Same(first, second);
    }

    [Fact]
    public void Rewrite_OfAnotherUri_NeverHandsBackThePreviousOne()
    {
        var target = Target(new IPEndPoint(IPAddress.Loopback, 5001));

        Assert.Equal("http://127.0.0.1:5001/a", target.Rewrite(new Uri("http://orders/a")).AbsoluteUri);
        Assert.Equal("http://127.0.0.1:5001/b?q=2", target.Rewrite(new Uri("http://orders/b?q=2")).AbsoluteUri);
        Assert.Equal("https://127.0.0.1:5001/b?q=2", target.Rewrite(new Uri("https+http://orders/b?q=2")).AbsoluteUri);
        Assert.Equal("http://127.0.0.1:5001/a", target.Rewrite(new Uri("http://orders/a")).AbsoluteUri);
    }

    [Fact]
    public void Rewrite_FromManyThreads_AlwaysMatchesItsOwnRequest()
    {
        var target = Target(new DnsEndPoint("orders-1.local", 8080));

        Parallel.For(0, 2_000, i =>
        {
            var path = $"/items/{i % 7}";
            Assert.Equal($"http://orders-1.local:8080{path}", target.Rewrite(new Uri($"http://orders{path}")).AbsoluteUri);
        });
    }

    [Fact]
    public void Rewrite_OfAUriEndpoint_KeepsItsSchemeAndPathPrefix()
    {
        var target = Target(new UriEndPoint(new Uri("https://gateway.local/orders/")));

        Assert.Equal("https://gateway.local/orders/items/42", target.Rewrite(new Uri("http://orders/items/42")).AbsoluteUri);
    }

    private static RouteTarget Target(EndPoint endPoint) =>
        RouteTarget.Create(new ServiceInstance(endPoint, Lane.Base, 1).ToServiceEndpoint())!;
}
