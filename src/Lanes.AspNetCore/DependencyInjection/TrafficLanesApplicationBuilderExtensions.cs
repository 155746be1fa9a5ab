using Lanes.AspNetCore.Entry;
using Lanes.AspNetCore.Inbound;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Adds the inbound lane middleware to the request pipeline.</summary>
public static class TrafficLanesApplicationBuilderExtensions
{
    /// <summary>
    /// Reads each request's lane (after applying entry rules) and makes it ambient for the rest of the
    /// pipeline. Place it early, before anything that calls other services.
    /// </summary>
    /// <param name="app">The application builder.</param>
    public static IApplicationBuilder UseTrafficLanes(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Only ask whether Lanes is registered: building its services here would validate options before start.
        if (app.ApplicationServices.GetService<IServiceProviderIsService>()?.IsService(typeof(EntryRules)) != true)
        {
            throw new InvalidOperationException(
                "Traffic lanes are not registered: call builder.Services.AddTrafficLanes() before app.UseTrafficLanes().");
        }

        return app.UseMiddleware<LaneMiddleware>();
    }
}
