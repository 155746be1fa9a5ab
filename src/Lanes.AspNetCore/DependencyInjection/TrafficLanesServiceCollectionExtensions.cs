using Lanes.AspNetCore.Entry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers traffic lanes in an ASP.NET Core application.</summary>
public static class TrafficLanesServiceCollectionExtensions
{
    /// <summary>
    /// Adds traffic lanes: options from the <c>Lanes</c> section validated on start, the inbound lane
    /// middleware and its entry rules (<c>Lanes:Entry</c>), this instance's lane, the embedded discovery
    /// (<c>Lanes:Services</c>) and the outbound handlers that <c>AddLanes()</c> puts on HTTP clients.
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
        services.AddLanesSettingsSection<LaneEntryOptions>("Entry");
        services.TryAddSingleton(static sp => EntryRuleSet.Build(
            sp.GetRequiredService<IOptions<LaneEntryOptions>>().Value,
            sp.GetRequiredService<IOptions<Lanes.LanesOptions>>().Value.Propagation.HeaderName,
            errors: []));
        return services;
    }
}
