using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lanes.Yarp.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Serves the gateway's lane diagnostics.</summary>
public static class TrafficLanesEndpointRouteBuilderExtensions
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerOptions.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>
    /// Maps <c>{prefix}</c> (HTML) and <c>{prefix}.json</c>: the entry rules in force (sources, version, load time, the last
    /// rejected reload and why), each service's instances by lane with their health, and recent routing decisions per lane
    /// and reason. It shows topology: restrict it (<c>.RequireHost(...)</c>, <c>.RequireAuthorization(...)</c>) where
    /// outsiders can reach the gateway.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="prefix">The page's path.</param>
    public static IEndpointConventionBuilder MapTrafficLanesDiagnostics(this IEndpointRouteBuilder endpoints, string prefix = "/lanes")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var group = endpoints.MapGroup(string.Empty);
        group.MapGet(prefix, static (HttpContext context) =>
        {
            var status = Builder(context).Build();
            return Results.Content(LanesStatusPage.Render(status), "text/html; charset=utf-8");
        });
        group.MapGet(prefix + ".json", static (HttpContext context) => Results.Json(Builder(context).Build(), s_json));
        return group;
    }

    private static LanesStatusBuilder Builder(HttpContext context) =>
        ActivatorUtilities.CreateInstance<LanesStatusBuilder>(context.RequestServices);
}
