using System.Diagnostics.CodeAnalysis;
using Lanes.Discovery;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Tests.Discovery;

public class ConfiguredServiceCatalogTests
{
    [Fact]
    public async Task Resolver_ReturnsConfiguredInstances_WithLaneWeightAndHealth()
    {
        var configuration = TestHosts.Instances("orders", ("http://127.0.0.1:5001", null, 2), ("https://10.0.0.7:8443/api", "gray", 0.5));
        configuration["Lanes:Services:orders:1:Healthy"] = "false";
        using var host = Build(configuration);
        await host.StartAsync();

        var source = await host.Services.GetRequiredService<ServiceEndpointResolver>().GetEndpointsAsync("orders", CancellationToken.None);

        var instances = source.Endpoints.Select(ServiceInstance.From).ToArray();
        Assert.Equal(2, instances.Length);
        Assert.Equal(("http://127.0.0.1:5001/", true, 2.0, true), (((UriEndPoint)instances[0]!.EndPoint).Uri.ToString(), instances[0]!.Lane.IsBase, instances[0]!.Weight, instances[0]!.Healthy));
        Assert.Equal(("https://10.0.0.7:8443/api", "gray", 0.5, false), (((UriEndPoint)instances[1]!.EndPoint).Uri.ToString(), instances[1]!.Lane.Name, instances[1]!.Weight, instances[1]!.Healthy));
    }

    [Theory]
    [InlineData("Lanes:Services:orders:0:Url", "not a url", "Lanes:Services:orders:0:Url")]
    [InlineData("Lanes:Services:orders:0:Url", "ftp://127.0.0.1:5001", "Lanes:Services:orders:0:Url")]
    [InlineData("Lanes:Services:orders:0:Lane", "Gray!", "Lanes:Services:orders:0:Lane")]
    [InlineData("Lanes:Services:orders:0:Weight", "-1", "Lanes:Services:orders:0:Weight")]
    [InlineData("Lanes:Services:orders:0:Weight", "10001", "Lanes:Services:orders:0:Weight")]
    [InlineData("Lanes:Lane", "Gray", "Lanes:Lane")]
    [InlineData("Lanes:Propagation:HeaderName", "bad header", "Lanes:Propagation:HeaderName")]
    [InlineData("Lanes:Propagation:BaggageKey", "bad key", "Lanes:Propagation:BaggageKey")]
    public async Task InvalidConfiguration_StopsStartup_NamingTheKey(string key, string value, string expectedKey)
    {
        var configuration = TestHosts.Instances("orders", ("http://127.0.0.1:5001", null, 1));
        configuration[key] = value;
        using var host = Build(configuration);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expectedKey, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnconvertibleValue_StopsStartup_NamingTheKey()
    {
        var configuration = TestHosts.Instances("orders", ("http://127.0.0.1:5001", null, 1));
        configuration["Lanes:Services:orders:0:Weight"] = "heavy";
        using var host = Build(configuration);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Lanes:Services:orders:0:Weight", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_ReplacesInstances_AndFiresTheChangeToken()
    {
        var source = new ReloadableSource(TestHosts.Instances("orders", ("http://127.0.0.1:5001", null, 1)));
        using var host = Build(source);
        await host.StartAsync();
        var resolver = host.Services.GetRequiredService<ServiceEndpointResolver>();
        var before = await resolver.GetEndpointsAsync("orders", CancellationToken.None);

        source.Replace(TestHosts.Instances("orders", ("http://127.0.0.1:5001", null, 1), ("http://127.0.0.1:5009", "gray", 1)));

        Assert.True(before.ChangeToken.HasChanged);
        var after = await WaitForAsync(resolver, s => s.Endpoints.Count == 2);
        Assert.Equal("gray", ServiceInstance.From(after.Endpoints[1])!.Lane.Name);
    }

    [Fact]
    public async Task InvalidReload_KeepsTheLastGoodInstances()
    {
        var source = new ReloadableSource(TestHosts.Instances("orders", ("http://127.0.0.1:5001", null, 1)));
        using var host = Build(source);
        await host.StartAsync();
        var catalog = host.Services.GetRequiredService<ConfiguredServiceCatalog>();

        var broken = TestHosts.Instances("orders", ("http://127.0.0.1:5002", null, 1));
        broken["Lanes:Services:orders:0:Weight"] = "heavy";
        source.Replace(broken);

        var endpoints = catalog.GetEndpoints("orders", out var token);
        Assert.Equal("http://127.0.0.1:5001/", ((UriEndPoint)Assert.Single(endpoints).EndPoint).Uri.ToString());
        Assert.False(token.HasChanged);
    }

    [Fact]
    public void Build_ReportsEveryProblemWithItsKey()
    {
        var services = new Dictionary<string, List<ConfiguredInstanceOptions>>
        {
            ["orders"] = [new() { Url = null }, new() { Url = "http://x:1", Lane = "UP" }],
            ["bad name!"] = [new() { Url = "http://x:1" }],
        };
        var errors = new List<string>();

        var built = ConfiguredServiceCatalog.Build(services, errors);

        Assert.Empty(built["orders"]);
        Assert.Contains(errors, e => e.StartsWith("Lanes:Services:orders:0:Url", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Lanes:Services:orders:1:Lane", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Lanes:Services:bad name!", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RefreshAfterReload_DoesNotRunInTheLaneOfTheRequestThatResolvedFirst()
    {
        var source = new ReloadableSource(TestHosts.Instances("orders", ("http://127.0.0.1:5001", null, 1)));
        var recorder = new LaneRecordingProviderFactory();
        using var host = Build(source, services => services.AddSingleton<IServiceEndpointProviderFactory>(recorder));
        await host.StartAsync();
        var resolver = host.Services.GetRequiredService<ServiceEndpointResolver>();

        using (LaneContext.Enter(Lane.Parse("gray")))
        {
            await resolver.GetEndpointsAsync("orders", CancellationToken.None);
        }

        // Discovery refreshes in the background: neither the first resolution nor a later reload runs in the caller's lane.
        Assert.Equal("base", recorder.Seen.Single());

        // The reload comes from outside any request, as a file watcher's would.
        Task reload;
        using (ExecutionContext.SuppressFlow())
        {
            reload = Task.Run(() => source.Replace(TestHosts.Instances("orders", ("http://127.0.0.1:5002", null, 1))));
        }

        await reload;

        await WaitForAsync(resolver, s => ((UriEndPoint)s.Endpoints[0].EndPoint).Uri.Port == 5002);
        Assert.Equal(["base", "base"], recorder.Seen);
    }

    private static IHost Build(Dictionary<string, string?> configuration)
    {
        var builder = TestHosts.Builder(configuration);
        builder.Services.AddTrafficLanesCore();
        return builder.Build();
    }

    private static IHost Build(ReloadableSource source, Action<IServiceCollection>? configure = null)
    {
        var builder = TestHosts.Builder(new Dictionary<string, string?>());
        ((IConfigurationBuilder)builder.Configuration).Add(source);
        builder.Services.AddTrafficLanesCore();
        configure?.Invoke(builder.Services);
        return builder.Build();
    }

    private static async Task<ServiceEndpointSource> WaitForAsync(ServiceEndpointResolver resolver, Func<ServiceEndpointSource, bool> condition)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var current = await resolver.GetEndpointsAsync("orders", CancellationToken.None);
            if (condition(current))
            {
                return current;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException("The resolver never saw the reloaded instances.");
    }

    /// <summary>Configuration that can be swapped wholesale, firing its reload token like a file provider.</summary>
    private sealed class ReloadableSource(Dictionary<string, string?> initial) : IConfigurationSource
    {
        private readonly Provider _provider = new(initial);

        public IConfigurationProvider Build(IConfigurationBuilder builder) => _provider;

        public void Replace(Dictionary<string, string?> data) => _provider.Replace(data);

        private sealed class Provider(Dictionary<string, string?> initial) : ConfigurationProvider
        {
            public override void Load() => Data = new Dictionary<string, string?>(initial, StringComparer.OrdinalIgnoreCase);

            public void Replace(Dictionary<string, string?> data)
            {
                Data = new Dictionary<string, string?>(data, StringComparer.OrdinalIgnoreCase);
                OnReload();
            }
        }
    }

    /// <summary>A provider that answers nothing and records the ambient lane each time discovery refreshes.</summary>
    private sealed class LaneRecordingProviderFactory : IServiceEndpointProviderFactory, IServiceEndpointProvider
    {
        public List<string> Seen { get; } = [];

        public bool TryCreateProvider(ServiceEndpointQuery query, [NotNullWhen(true)] out IServiceEndpointProvider? provider)
        {
            provider = this;
            return true;
        }

        public ValueTask PopulateAsync(IServiceEndpointBuilder endpoints, CancellationToken cancellationToken)
        {
            lock (Seen)
            {
                Seen.Add(LaneContext.Current.ToString());
            }

            return default;
        }

        public ValueTask DisposeAsync() => default;
    }
}
