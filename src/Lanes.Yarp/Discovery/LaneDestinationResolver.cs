using System.Net;
using Lanes.Discovery;
using Lanes.Extensibility;
using Lanes.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.ServiceDiscovery;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.ServiceDiscovery;

namespace Lanes.Yarp.Discovery;

/// <summary>
/// Expands each destination written as a service name (<c>http://orders</c>) into one destination per instance that
/// Lanes' discovery knows (Microsoft.Extensions.ServiceDiscovery with the embedded <c>Lanes:Services</c> or Nacos),
/// with the instance's lane in the destination's metadata (<see cref="LaneMetadata.Lane"/>). YARP then balances,
/// health-checks and pins sessions over real instances, and the lane step keeps each request in its lane.
/// </summary>
/// <remarks>
/// Microsoft.Extensions.ServiceDiscovery.Yarp's resolver expands the same names but copies the configured destination
/// and drops the endpoint's features, so a lane instance could not be told from a base one; this resolver keeps them.
/// Instances discovery marks unhealthy or gives weight 0 are left out. Destinations that are IP addresses, or names
/// discovery does not know, stay as configured (as base destinations).
/// </remarks>
internal sealed partial class LaneDestinationResolver(ServiceEndpointResolver resolver, ILogger<LaneDestinationResolver> logger) : IDestinationResolver
{
    public async ValueTask<ResolvedDestinationCollection> ResolveDestinationsAsync(IReadOnlyDictionary<string, DestinationConfig> destinations, CancellationToken cancellationToken)
    {
        var results = new Dictionary<string, DestinationConfig>(StringComparer.OrdinalIgnoreCase);
        var changeTokens = new List<IChangeToken>();
        foreach (var (id, config) in destinations)
        {
            if (!Uri.TryCreate(config.Address, UriKind.Absolute, out var address) || !IsServiceName(address))
            {
                results[id] = config;
                continue;
            }

            ServiceEndpointSource source;
            try
            {
                source = await resolver.GetEndpointsAsync(address.GetLeftPart(UriPartial.Authority), cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException ex)
            {
                Log.Unresolved(logger, id, address.Host, ex.Message);
                results[id] = config;
                continue;
            }

            changeTokens.Add(source.ChangeToken);
            var count = 0;
            foreach (var endpoint in source.Endpoints)
            {
                var instance = ServiceInstance.From(endpoint);
                if (instance is { Healthy: false } or { Weight: <= 0 } || ServiceEndpointAddress.Of(endpoint) is not { } instanceAddress)
                {
                    continue;
                }

                var lane = instance?.Lane ?? Lane.Base;

                var metadata = new Dictionary<string, string>(config.Metadata ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase)
                {
                    [LaneMetadata.Service] = address.Host,
                };
                if (!lane.IsBase)
                {
                    metadata[LaneMetadata.Lane] = lane.Name!;
                }

                results[$"{id}[{instanceAddress}]"] = config with
                {
                    Address = ServiceEndpointAddress.Rewrite(endpoint, address)!.ToString(),
                    Health = config.Health is { Length: > 0 } health && Uri.TryCreate(health, UriKind.Absolute, out var healthUri) && IsServiceName(healthUri)
                        ? ServiceEndpointAddress.Rewrite(endpoint, healthUri)!.ToString()
                        : config.Health,
                    Host = config.Host ?? endpoint.Features.Get<IHostNameFeature>()?.HostName,
                    Metadata = metadata,
                };
                count++;
            }

            Log.Resolved(logger, id, address.Host, count);
        }

        return new ResolvedDestinationCollection(results, changeTokens.Count switch
        {
            0 => null,
            1 => changeTokens[0],
            _ => new CompositeChangeToken(changeTokens),
        });
    }

    private static bool IsServiceName(Uri address) =>
        address.HostNameType == UriHostNameType.Dns && !address.IsLoopback && !IPAddress.TryParse(address.Host, out _);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Destination '{DestinationId}' ({ServiceName}) expanded to {Count} instances.", EventName = "DestinationsResolved")]
        public static partial void Resolved(ILogger logger, string destinationId, string serviceName, int count);

        [LoggerMessage(2, LogLevel.Warning, "Destination '{DestinationId}' names '{ServiceName}', which discovery does not know ({Reason}); it is used as configured, as a base destination.", EventName = "DestinationUnresolved")]
        public static partial void Unresolved(ILogger logger, string destinationId, string serviceName, string reason);
    }
}
