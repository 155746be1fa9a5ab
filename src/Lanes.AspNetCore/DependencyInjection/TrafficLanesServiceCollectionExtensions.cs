using Lanes.AspNetCore.Diagnostics;
using Lanes.AspNetCore.Entry;
using Lanes.AspNetCore.Entry.Trust;
using Lanes.Extensibility;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers traffic lanes in an ASP.NET Core application.</summary>
public static class TrafficLanesServiceCollectionExtensions
{
    /// <summary>
    /// Adds traffic lanes: options from the <c>Lanes</c> section validated on start, the inbound lane
    /// middleware and, at an entry, its trust boundary and live entry rules (<c>Lanes:Entry</c>), this instance's lane, the embedded discovery
    /// (<c>Lanes:Services</c>) and the outbound handlers that <c>AddTrafficLanes()</c> puts on HTTP clients.
    /// Pair it with <c>app.UseTrafficLanes()</c>. Safe to call more than once.
    /// </summary>
    /// <param name="services">The service collection.</param>
    public static IServiceCollection AddTrafficLanes(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddTrafficLanesCore();
        // Bound by hand for the reasons given in AddTrafficLanesCore: no reload-time validation on the config thread,
        // and values the binder would silently drop from the rule list are reported by key.
        services.AddOptions<LaneEntryOptions>()
            .Configure<IConfiguration>(static (options, configuration) =>
            {
                var section = configuration.GetSection(LaneEntryOptions.SectionName);
                section.Bind(options);
                EntryRuleOptions.CheckBinding(section.GetSection("Rules"), options.BindingErrors);
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LaneEntryOptions>, LaneEntryOptionsValidator>());
        services.AddTrafficLanesSettingsSection<LaneEntryOptions>("Entry");
        services.TryAddSingleton<EntryMetrics>();
        services.TryAddSingleton<EntryRules>();
        services.TryAddSingleton<EntryGuard>();
        services.TryAddSingleton(static sp => new LaneEntryDiagnostics(sp.GetRequiredService<EntryRules>(), sp.GetRequiredService<EntryGuard>(), sp.GetRequiredService<IOptions<LaneEntryOptions>>()));
        return services;
    }

    /// <summary>
    /// Adds traffic lanes to the application that receives outside traffic, making it the entry even before it has
    /// rules: lanes chosen by clients outside the trust boundary are removed (<c>Lanes:Entry:TrustedProxies</c> and lane
    /// tokens excepted) and the entry rules run. An app with <c>Lanes:Entry:Rules</c> or <c>RulesDirectory</c> is an entry
    /// anyway; a lane-aware YARP gateway calls this. Pair it with <c>app.UseTrafficLanes()</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    public static IServiceCollection AddTrafficLanesEntry(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddTrafficLanes();
        services.TryAddSingleton<LaneEntry>();
        return services;
    }
}
