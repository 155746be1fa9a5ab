using Lanes.Kubernetes.Cluster;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Kubernetes.Tests;

public sealed class KubernetesDiscoveryOptionsTests
{
    [Fact]
    public void Options_BindFromLanesKubernetes()
    {
        using var services = Build(new()
        {
            ["Lanes:Kubernetes:Namespace"] = "shop",
            ["Lanes:Kubernetes:ClusterDomain"] = "corp.example",
            ["Lanes:Kubernetes:MaxNamespaces"] = "3",
            ["Lanes:Kubernetes:InitialSyncTimeout"] = "00:00:02",
            ["Lanes:Kubernetes:VerifyPermissionsOnStart"] = "false",
        });

        var options = services.GetRequiredService<IOptions<KubernetesDiscoveryOptions>>().Value;

        Assert.Equal(("shop", "corp.example", 3, TimeSpan.FromSeconds(2), false), (options.Namespace, options.ClusterDomain, options.MaxNamespaces, options.InitialSyncTimeout, options.VerifyPermissionsOnStart));
    }

    [Fact]
    public void BadValues_StopTheStart_NamingEachKey()
    {
        using var services = Build(new()
        {
            ["Lanes:Kubernetes:Namespace"] = "Shop_1",
            ["Lanes:Kubernetes:KubeConfigPath"] = "/nowhere/kubeconfig",
            ["Lanes:Kubernetes:ClusterDomain"] = "not a domain",
            ["Lanes:Kubernetes:MaxNamespaces"] = "0",
            ["Lanes:Kubernetes:ReconnectDelay"] = "00:00:05",
            ["Lanes:Kubernetes:MaxReconnectDelay"] = "00:00:01",
        });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<KubernetesDiscoveryOptions>>().Value);

        Assert.Contains("Lanes:Kubernetes:Namespace: 'Shop_1' is not a Kubernetes namespace name", error.Message, StringComparison.Ordinal);
        Assert.Contains("Lanes:Kubernetes:KubeConfigPath: the file '/nowhere/kubeconfig' does not exist.", error.Message, StringComparison.Ordinal);
        Assert.Contains("Lanes:Kubernetes:ClusterDomain: 'not a domain'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Lanes:Kubernetes:MaxNamespaces: 0 must be at least 1.", error.Message, StringComparison.Ordinal);
        Assert.Contains("Lanes:Kubernetes:MaxReconnectDelay: 00:00:01 is shorter than ReconnectDelay (00:00:05).", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CallingTwice_RegistersOnce()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddTrafficLanesKubernetes().AddTrafficLanesKubernetes(static o => o.MaxNamespaces = 5);

        Assert.Single(services, static d => d.ServiceType == typeof(KubernetesServiceCatalog));
        Assert.Single(services, static d => d.ImplementationType?.Name == "KubernetesServiceEndpointProviderFactory");
        Assert.Single(services, static d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "KubernetesPermissionCheck");
        using var provider = services.AddLogging().BuildServiceProvider();
        Assert.Equal(5, provider.GetRequiredService<IOptions<KubernetesDiscoveryOptions>>().Value.MaxNamespaces);
        Assert.Contains(provider.GetServices<IServiceEndpointProviderFactory>(), static f => f.GetType().Name == "KubernetesServiceEndpointProviderFactory");
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddTrafficLanesKubernetes();
        return services.BuildServiceProvider();
    }
}
