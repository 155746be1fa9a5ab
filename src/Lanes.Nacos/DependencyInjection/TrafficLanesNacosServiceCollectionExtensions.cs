using Lanes.Extensibility;
using Lanes.Nacos;
using Lanes.Nacos.Client;
using Lanes.Nacos.Discovery;
using Lanes.Nacos.Grpc;
using Lanes.Nacos.Registration;
using Lanes.Nacos.Subscriptions;
using Lanes.Nacos.Transport;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Lanes' Nacos integration: discovery through Nacos and lane-tagged self-registration.</summary>
public static class TrafficLanesNacosServiceCollectionExtensions
{
    /// <summary>
    /// Adds Nacos discovery and self-registration (<see cref="AddTrafficLanesNacosDiscovery"/> and <see cref="AddTrafficLanesNacosRegistration"/>),
    /// configured from <c>Lanes:Nacos</c> (or nacos-sdk-csharp's <c>nacos</c> section) and validated on start.
    /// Safe to call more than once.
    /// </summary>
    /// <param name="services">The service collection.</param>
    public static IServiceCollection AddTrafficLanesNacos(this IServiceCollection services) =>
        services.AddTrafficLanesNacosDiscovery().AddTrafficLanesNacosRegistration();

    /// <summary>
    /// Adds Nacos discovery and self-registration, then applies <paramref name="configure"/> over the bound options.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Changes to the options bound from configuration.</param>
    public static IServiceCollection AddTrafficLanesNacos(this IServiceCollection services, Action<NacosOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddTrafficLanesNacos().Configure(configure);
        return services;
    }

    /// <summary>
    /// Resolves <c>http://&lt;service&gt;/...</c> through Nacos: services mapped in <c>Lanes:Nacos:Services</c> and
    /// (by default) any single-label host become Microsoft.Extensions.ServiceDiscovery endpoints carrying their
    /// lane, weight, health and metadata, kept fresh by pushes (gRPC, or UDP on v1) and polling. Services listed in
    /// <c>Lanes:Services</c> keep resolving from configuration first.
    /// </summary>
    /// <param name="services">The service collection.</param>
    public static IServiceCollection AddTrafficLanesNacosDiscovery(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddTrafficLanesCore().AddNacosClient();
        services.TryAddSingleton<FailoverCache>();
        services.TryAddSingleton<NacosServiceCatalog>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceEndpointProviderFactory, NacosServiceEndpointProviderFactory>());
        return services;
    }

    /// <summary>
    /// Registers this instance with Nacos once the host has started, tagged with its lane (<c>Lanes:Lane</c> or the pod
    /// labels) as MSE tags it, keeps it registered (heartbeats over HTTP, the connection over gRPC), and deregisters when
    /// the host begins to stop.
    /// Requires <c>Lanes:Nacos:Registration:ServiceName</c> unless <c>Lanes:Nacos:Registration:Enabled</c> is false.
    /// </summary>
    /// <param name="services">The service collection.</param>
    public static IServiceCollection AddTrafficLanesNacosRegistration(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddTrafficLanesCore().AddNacosClient();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NacosOptions>, NacosRegistrationValidator>());
        if (!services.Any(static d => d.ServiceType == typeof(NacosRegistrationService)))
        {
            services.AddSingleton<NacosRegistrationService>();
            services.AddSingleton<IHostedService>(static sp => sp.GetRequiredService<NacosRegistrationService>());
        }

        return services;
    }

    private static IServiceCollection AddNacosClient(this IServiceCollection services)
    {
        services.AddOptions<NacosOptions>().ValidateOnStart();
        services.AddTrafficLanesSettingsSection<NacosOptions>("Nacos");
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<NacosOptions>, NacosOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NacosOptions>, NacosOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static _ => new NacosConnectionStatus());
        services.TryAddSingleton<NacosLogThrottle>();
        services.TryAddSingleton<NacosMetrics>();
        services.TryAddSingleton<NacosPushRouter>();
        services.TryAddSingleton<NacosAuthenticator>();
        services.TryAddSingleton<NacosNamingClient>();
        services.TryAddSingleton<NacosPushReceiver>();
        services.TryAddSingleton<NacosGrpcConnection>();
        services.TryAddSingleton<NacosGrpcTransport>();
        services.TryAddSingleton<NacosHttpTransport>();
        services.TryAddSingleton<NacosV1Transport>();
        services.TryAddSingleton<NacosTransportSelector>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, NacosStartupCheck>());
        return services;
    }
}
