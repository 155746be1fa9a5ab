using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Lanes.Samples.Service.Faults;

/// <summary>Registers and places the fault injection of the sample service.</summary>
internal static class SampleFaultExtensions
{
    public static IServiceCollection AddSampleFaults(this IServiceCollection services)
    {
        services.AddOptions<SampleFaultOptions>()
            .Configure<IConfiguration>(static (options, configuration) => configuration.GetSection(SampleFaultOptions.SectionName).Bind(options.Lanes))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SampleFaultOptions>, SampleFaultOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>After <c>UseTrafficLanes()</c>: the request's lane must be known.</summary>
    public static IApplicationBuilder UseSampleFaults(this IApplicationBuilder app) =>
        app.UseMiddleware<FaultInjectionMiddleware>();
}
