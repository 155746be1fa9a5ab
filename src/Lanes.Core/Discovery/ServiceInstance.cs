using System.Collections.Frozen;
using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Discovery;

/// <summary>
/// One instance of a service as discovery sees it: where it listens, which lane it belongs to,
/// its share of traffic and whether it may receive traffic. Discovery providers attach it to each
/// <see cref="ServiceEndpoint"/> as a feature; lane-aware selection reads it from there.
/// </summary>
/// <remarks>
/// Endpoints produced by providers that know nothing of lanes (Microsoft.Extensions.ServiceDiscovery's
/// configuration or DNS providers) carry no <see cref="ServiceInstance"/> and are treated as healthy base
/// instances of weight 1.
/// </remarks>
public sealed class ServiceInstance
{
    /// <summary>The largest weight accepted (Nacos's limit).</summary>
    public const double MaxWeight = 10_000;

    /// <summary>Creates an instance.</summary>
    /// <param name="endPoint">Where the instance listens: an <see cref="IPEndPoint"/>, <see cref="DnsEndPoint"/> or <see cref="UriEndPoint"/>.</param>
    /// <param name="lane">The lane the instance belongs to; <see cref="Lane.Base"/> for the baseline.</param>
    /// <param name="weight">Relative share of traffic, 0 to <see cref="MaxWeight"/>; 0 receives none.</param>
    /// <param name="healthy">Whether discovery considers the instance able to serve.</param>
    /// <param name="metadata">Registry metadata, kept as given.</param>
    public ServiceInstance(EndPoint endPoint, Lane lane, double weight = 1, bool healthy = true, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        if (!(weight >= 0 && weight <= MaxWeight))
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, $"A weight must be between 0 and {MaxWeight}.");
        }

        EndPoint = endPoint;
        Lane = lane;
        Weight = weight;
        Healthy = healthy;
        Metadata = metadata ?? FrozenDictionary<string, string>.Empty;
    }

    /// <summary>Where the instance listens.</summary>
    public EndPoint EndPoint { get; }

    /// <summary>The lane the instance belongs to.</summary>
    public Lane Lane { get; }

    /// <summary>Relative share of traffic; 0 receives none.</summary>
    public double Weight { get; }

    /// <summary>Whether discovery considers the instance able to serve.</summary>
    public bool Healthy { get; }

    /// <summary>Registry metadata.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Creates the <see cref="ServiceEndpoint"/> for this instance, carrying the instance as a feature.</summary>
    public ServiceEndpoint ToServiceEndpoint()
    {
        var features = new FeatureCollection(1);
        features.Set(this);
        return ServiceEndpoint.Create(EndPoint, features);
    }

    /// <summary>The instance attached to <paramref name="endpoint"/>, or <see langword="null"/> when its provider knows nothing of lanes.</summary>
    /// <param name="endpoint">An endpoint from any discovery provider.</param>
    public static ServiceInstance? From(ServiceEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.Features.Get<ServiceInstance>();
    }

    /// <inheritdoc />
    public override string ToString() => $"{EndPoint} lane={Lane} weight={Weight} healthy={Healthy}";
}
