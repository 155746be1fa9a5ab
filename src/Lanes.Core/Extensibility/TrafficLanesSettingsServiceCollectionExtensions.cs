using Lanes.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Lanes.Extensibility;

/// <summary>Registrations for packages that add their own settings under the <c>Lanes</c> configuration section.</summary>
public static class TrafficLanesSettingsServiceCollectionExtensions
{
    /// <summary>
    /// Tells the start-up check of <c>Lanes</c> keys that a package binds <c>Lanes:&lt;sectionName&gt;</c> to
    /// <typeparamref name="TOptions"/>, so its keys are known and a misspelt one is reported. Safe to call more than once.
    /// </summary>
    /// <typeparam name="TOptions">The options type the section binds to.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="sectionName">The section's name under <c>Lanes</c>, for example <c>Nacos</c>.</param>
    public static IServiceCollection AddTrafficLanesSettingsSection<TOptions>(this IServiceCollection services, string sectionName)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(sectionName);
        if (!services.Any(d => d.ServiceType == typeof(LanesSettingsSection) && d.ImplementationInstance is LanesSettingsSection { } known && known.Name == sectionName))
        {
            services.AddSingleton(new LanesSettingsSection(sectionName, typeof(TOptions)));
        }

        return services;
    }
}
