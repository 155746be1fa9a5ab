using Lanes.Extensibility;
using Yarp.ReverseProxy.Transforms;

namespace Lanes.Yarp.Routing;

/// <summary>With the route header on, adds the hops behind the gateway (the destination's own <c>lanes-route</c>) to the gateway's trace.</summary>
internal sealed class RouteTraceResponseTransform : ResponseTransform
{
    public static RouteTraceResponseTransform Instance { get; } = new();

    public override ValueTask ApplyAsync(ResponseTransformContext context)
    {
        if (RouteTrace.Current is { } trace && context.ProxyResponse?.Headers.NonValidated.TryGetValues(RouteTrace.HeaderName, out var hops) == true)
        {
            foreach (var hop in hops)
            {
                trace.Add(hop);
            }
        }

        return default;
    }
}
