using System.Diagnostics.Metrics;
using Lanes.Diagnostics;
using Lanes.Kubernetes.Emulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Kubernetes.Tests.Infrastructure;

/// <summary>
/// A host in this process with <c>AddTrafficLanesKubernetes()</c> and a lane-aware client, configured with a
/// kubeconfig for the emulator, as an application outside the cluster would be.
/// </summary>
internal sealed class DiscoveryHost : IAsyncDisposable
{
    private readonly string _kubeconfig;

    private DiscoveryHost(IHost host, string kubeconfig)
    {
        Host = host;
        _kubeconfig = kubeconfig;
        Logs = host.Services.GetRequiredService<FakeLogCollector>();
        Resolver = host.Services.GetRequiredService<ServiceEndpointResolver>();
        Client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("lanes");
    }

    public IHost Host { get; }

    public FakeLogCollector Logs { get; }

    public ServiceEndpointResolver Resolver { get; }

    /// <summary>A client with <c>AddTrafficLanes()</c>: <c>http://&lt;service&gt;/</c> routes by lane.</summary>
    public HttpClient Client { get; }

    /// <summary>A collector of one of Lanes' counters, created before the host starts so nothing is missed.</summary>
    public static MetricCollector<long> Counter(IHost host, string name) =>
        new(host.Services.GetRequiredService<IMeterFactory>(), LanesDiagnostics.Name, name);

    /// <summary>Builds the host; <paramref name="start"/> false leaves starting (and its failure) to the test.</summary>
    public static async Task<DiscoveryHost> StartAsync(
        KubernetesEmulator emulator,
        string token = "system:admin",
        IDictionary<string, string?>? settings = null,
        bool start = true)
    {
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"lanes-kubeconfig-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(kubeconfig, emulator.KubeConfig("default", token));
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var values = new Dictionary<string, string?>
        {
            ["Lanes:Kubernetes:KubeConfigPath"] = kubeconfig,
            ["Lanes:Kubernetes:ReconnectDelay"] = "00:00:00.100",
            ["Lanes:Kubernetes:MaxReconnectDelay"] = "00:00:00.500",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(values);
        builder.Logging.AddFakeLogging().SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddTrafficLanesKubernetes();
        builder.Services.AddHttpClient("lanes").AddTrafficLanes();
        var host = builder.Build();
        var discovery = new DiscoveryHost(host, kubeconfig);
        if (start)
        {
            await host.StartAsync();
        }

        return discovery;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Host.StopAsync(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        if (Host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else
        {
            Host.Dispose();
        }

        File.Delete(_kubeconfig);
    }
}
