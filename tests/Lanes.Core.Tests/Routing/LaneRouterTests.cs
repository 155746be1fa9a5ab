using System.Diagnostics.CodeAnalysis;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.ServiceDiscovery;
using Microsoft.Extensions.Time.Testing;

namespace Lanes.Tests.Routing;

/// <summary>
/// The router keeps the resolver's answer between calls: it must never route on an answer the resolver itself would
/// no longer give. Time is fake; the resolver's own polling timer runs on the same clock.
/// </summary>
public class LaneRouterTests
{
    [Fact]
    public async Task EndpointsReplacedByPolling_WithoutAChangeToken_AreRoutedTo_OnceTheResolverRefreshed()
    {
        var time = new FakeTimeProvider();
        var discovery = new PolledDiscovery { Port = 5001 };
        var script = new ScriptedInstances();
        using var host = await RoutingHost.StartAsync([], script, time, services =>
        {
            services.AddSingleton<IServiceEndpointProviderFactory>(discovery);
            services.Configure<ServiceDiscoveryOptions>(options => options.RefreshPeriod = TimeSpan.FromSeconds(30));
        });
        var client = RoutingHost.Client(host);
        await client.GetAsync("http://polled/");
        await client.GetAsync("http://polled/");

        discovery.Port = 5002;
        await client.GetAsync("http://polled/");   // nothing told anyone yet: still the instance the resolver knows

        // The resolver polls after its refresh period, in the background; each later call may ask it again.
        for (var attempt = 0; attempt < 200 && script.Ports[^1] != 5002; attempt++)
        {
            time.Advance(TimeSpan.FromSeconds(31));
            await Task.Delay(10);
            await client.GetAsync("http://polled/");
        }

        Assert.Equal([5001, 5001, 5001], script.Ports[..3]);
        Assert.Equal(5002, script.Ports[^1]);
    }

    /// <summary>A registry read by polling: its answers carry no change token that ever fires.</summary>
    private sealed class PolledDiscovery : IServiceEndpointProviderFactory, IServiceEndpointProvider
    {
        public volatile int Port;

        public bool TryCreateProvider(ServiceEndpointQuery query, [NotNullWhen(true)] out IServiceEndpointProvider? provider)
        {
            provider = query.ServiceName == "polled" ? this : null;
            return provider is not null;
        }

        public ValueTask PopulateAsync(IServiceEndpointBuilder endpoints, CancellationToken cancellationToken)
        {
            endpoints.Endpoints.Add(ServiceEndpoint.Create(new IPEndPoint(IPAddress.Loopback, Port)));
            endpoints.AddChangeToken(NeverChanges.Instance);
            return default;
        }

        public ValueTask DisposeAsync() => default;
    }

    /// <summary>No callbacks, never changed: the resolver can only poll.</summary>
    private sealed class NeverChanges : IChangeToken
    {
        public static NeverChanges Instance { get; } = new();

        public bool HasChanged => false;

        public bool ActiveChangeCallbacks => false;

        public IDisposable RegisterChangeCallback(Action<object?> callback, object? state) => throw new NotSupportedException();
    }
}
