using Lanes.Discovery;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Kubernetes.Cluster;

/// <summary>
/// A slice with the lane of each endpoint's pod, and the endpoints built from it per port name, built once.
/// A Service's next version reuses the instance (and so the very <see cref="ServiceEndpoint"/> objects routing
/// already indexed) when neither the slice nor its pods' lanes changed.
/// </summary>
internal sealed class ResolvedSlice
{
    private readonly Lane?[] _lanes;
    private readonly Lock _gate = new();
    private (string Port, ServiceEndpoint[] Endpoints, PortOutcome Outcome)[] _views = [];

    private ResolvedSlice(SliceEndpoints source, Lane?[] lanes)
    {
        Source = source;
        _lanes = lanes;
    }

    public SliceEndpoints Source { get; }

    /// <summary>Resolves each endpoint's lane; returns <paramref name="previous"/> itself when nothing differs from it.</summary>
    public static ResolvedSlice Resolve(SliceEndpoints source, IPodLanes pods, ResolvedSlice? previous)
    {
        var endpoints = source.Endpoints;
        var same = previous is not null && ReferenceEquals(previous.Source, source);
        Lane?[]? lanes = same ? null : new Lane?[endpoints.Length];
        for (var i = 0; i < endpoints.Length; i++)
        {
            var lane = pods.LaneOf(endpoints[i]);
            if (lanes is null)
            {
                if (Equal(lane, previous!._lanes[i]))
                {
                    continue;
                }

                lanes = new Lane?[endpoints.Length];
                Array.Copy(previous._lanes, lanes, i);
            }

            lanes[i] = lane;
        }

        return lanes is null ? previous! : new ResolvedSlice(source, lanes);
    }

    /// <summary>The routable and held-back endpoints of this slice on <paramref name="portName"/> (null: the single port).</summary>
    public ServiceEndpoint[] GetEndpoints(string? portName, out PortOutcome outcome)
    {
        var key = portName ?? string.Empty;
        var views = _views;
        foreach (var view in views)
        {
            if (view.Port == key)
            {
                outcome = view.Outcome;
                return view.Endpoints;
            }
        }

        lock (_gate)
        {
            foreach (var view in _views)
            {
                if (view.Port == key)
                {
                    outcome = view.Outcome;
                    return view.Endpoints;
                }
            }

            var built = Build(portName, out outcome);
            _views = [.. _views, (key, built, outcome)];
            return built;
        }
    }

    private ServiceEndpoint[] Build(string? portName, out PortOutcome outcome)
    {
        var port = FindPort(Source.Ports, portName, out outcome);
        if (port is null)
        {
            return [];
        }

        var endpoints = Source.Endpoints;
        var count = 0;
        foreach (var lane in _lanes)
        {
            count += lane.HasValue ? 1 : 0;
        }

        var result = new ServiceEndpoint[count];
        var next = 0;
        for (var i = 0; i < endpoints.Length; i++)
        {
            if (_lanes[i] is { } lane)
            {
                // Not ready or terminating: kept, unhealthy, so routing knows the lane exists but sends it nothing new.
                result[next++] = new ServiceInstance(endpoints[i].ToEndPoint(port.Value), lane, weight: 1, healthy: endpoints[i].Routable).ToServiceEndpoint();
            }
        }

        return result;
    }

    private static int? FindPort(SlicePort[] ports, string? name, out PortOutcome outcome)
    {
        if (ports.Length == 0)
        {
            outcome = PortOutcome.NoPorts;
            return null;
        }

        if (name is null)
        {
            outcome = ports.Length == 1 ? PortOutcome.Found : PortOutcome.Ambiguous;
            return ports.Length == 1 ? ports[0].Number : null;
        }

        foreach (var port in ports)
        {
            if (string.Equals(port.Name, name, StringComparison.Ordinal))
            {
                outcome = PortOutcome.Found;
                return port.Number;
            }
        }

        outcome = PortOutcome.NoSuchPort;
        return null;
    }

    private static bool Equal(Lane? a, Lane? b) => a.HasValue ? b.HasValue && a.Value == b.Value : !b.HasValue;
}
