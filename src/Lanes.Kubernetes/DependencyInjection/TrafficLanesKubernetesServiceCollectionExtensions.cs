using Lanes.Kubernetes;
using Lanes.Kubernetes.Client;
using Lanes.Kubernetes.Cluster;
using Lanes.Kubernetes.Discovery;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Lanes' Kubernetes discovery: Services resolved from EndpointSlices, lanes from pod labels.</summary>
public static class TrafficLanesKubernetesServiceCollectionExtensions
{
    /// <summary>
    /// Resolves <c>http://&lt;service&gt;/...</c> (or <c>&lt;service&gt;.&lt;namespace&gt;</c>) to the ready endpoints of
    /// the Kubernetes Service of that name, each carrying the lane of its pod read from the pod's labels
    /// (<c>alicloud.service.tag</c>, <c>opensergo.io/canary-&lt;lane&gt;</c>), kept current by one shared watch of
    /// EndpointSlices and one of pods per namespace called. Configured from <c>Lanes:Kubernetes</c> and validated on
    /// start; at start the host checks it may list and watch both. Services listed in <c>Lanes:Services</c> keep
    /// resolving from configuration first. Safe to call more than once.
    /// </summary>
    /// <param name="services">The service collection.</param>
    public static IServiceCollection AddTrafficLanesKubernetes(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddTrafficLanesCore();
        if (services.Any(static d => d.ServiceType == typeof(KubernetesServiceCatalog)))
        {
            return services;
        }

        services.AddOptions<KubernetesDiscoveryOptions>().BindConfiguration(KubernetesDiscoveryOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KubernetesDiscoveryOptions>, KubernetesDiscoveryOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KubernetesConnection>();
        services.TryAddSingleton<KubernetesMetrics>();
        services.TryAddSingleton<KubernetesServiceCatalog>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceEndpointProviderFactory, KubernetesServiceEndpointProviderFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, KubernetesPermissionCheck>());
        return services;
    }

    /// <summary>Adds Kubernetes discovery, then applies <paramref name="configure"/> over the options bound from configuration.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Changes to the bound options.</param>
    public static IServiceCollection AddTrafficLanesKubernetes(this IServiceCollection services, Action<KubernetesDiscoveryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddTrafficLanesKubernetes().Configure(configure);
        return services;
    }
}
