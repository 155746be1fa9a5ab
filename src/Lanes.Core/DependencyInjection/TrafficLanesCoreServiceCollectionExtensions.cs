using System.Diagnostics.Metrics;
using Lanes;
using Lanes.Configuration;
using Lanes.Diagnostics;
using Lanes.Discovery;
using Lanes.Extensibility;
using Lanes.Identity;
using Lanes.Propagation;
using Lanes.Routing;
using Lanes.Routing.Health;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the parts of traffic lanes that do not depend on ASP.NET Core.</summary>
public static class TrafficLanesCoreServiceCollectionExtensions
{
    /// <summary>
    /// Adds Lanes' core services: options from the <c>Lanes</c> section (validated on start), the instance's
    /// own lane, the embedded configuration discovery, lane-aware routing and propagation handlers.
    /// Safe to call more than once. ASP.NET Core applications call <c>AddTrafficLanes()</c>, which includes this.
    /// </summary>
    /// <param name="services">The service collection.</param>
    public static IServiceCollection AddTrafficLanesCore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(static d => d.ServiceType == typeof(LanesMarker)))
        {
            return services;
        }

        services.AddSingleton<LanesMarker>();
        return services
            .AddLanesOptions()
            .AddLanesTelemetry()
            .AddLanesIdentity()
            .AddLanesDiscovery()
            .AddLanesRouting();
    }

    private static IServiceCollection AddLanesOptions(this IServiceCollection services)
    {
        // Bound without an options change-token source on purpose: the options monitor would re-validate on every
        // configuration reload and throw on the reloading thread. Reloads of Lanes:Services go through
        // ConfiguredServiceCatalog, which keeps the last good instances instead.
        services.AddOptions<LanesOptions>()
            .Configure<IConfiguration>(static (options, configuration) =>
            {
                var section = configuration.GetSection(LanesOptions.SectionName);
                section.Bind(options);
                ConfiguredInstanceOptions.CheckBinding(section.GetSection("Services"), options.BindingErrors);
                LaneRoutingOptions.CheckBinding(section.GetSection("Routing:Lanes"), options.BindingErrors);
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LanesOptions>, UnknownSettingsReporter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LanesOptions>, LanesOptionsValidator>());
        return services;
    }

    private static IServiceCollection AddLanesTelemetry(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton(static sp => new HttpClientDurationWatch(sp.GetRequiredService<IMeterFactory>()));
        services.TryAddSingleton(static sp => new LanesMetrics(
            sp.GetRequiredService<IMeterFactory>(),
            sp.GetRequiredService<IOptions<LanesOptions>>().Value.Metrics.MaxLanes,
            sp.GetRequiredService<ILogger<LanesMetrics>>(),
            sp.GetRequiredService<HttpClientDurationWatch>()));
        return services;
    }

    private static IServiceCollection AddLanesIdentity(this IServiceCollection services)
    {
        services.TryAddSingleton(static sp => InstanceLaneResolver.Resolve(
            sp.GetRequiredService<IOptions<LanesOptions>>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(InstanceLane).FullName!)));
        return services;
    }

    private static IServiceCollection AddLanesDiscovery(this IServiceCollection services)
    {
        services.AddServiceDiscoveryCore();
        services.TryAddSingleton<ConfiguredServiceCatalog>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceEndpointProviderFactory, ConfiguredServiceEndpointProviderFactory>());
        return services;
    }

    private static IServiceCollection AddLanesRouting(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EndpointHealthRegistry>();
        services.TryAddSingleton(static sp => new LaneRoutingPolicy(sp.GetRequiredService<IOptions<LanesOptions>>().Value.Routing));
        services.TryAddSingleton<LaneRouter>();
        services.TryAddTransient<LanePropagationHandler>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, LaneBreakDetector>());
        services.TryAddSingleton(static sp => new LaneMessageCarrier(sp.GetRequiredService<IOptions<LanesOptions>>(), sp.GetRequiredService<LanesMetrics>()));
        services.TryAddTransient<LaneRoutingHandler>();
        return services;
    }

    private sealed class LanesMarker;
}
