using System.Collections.Concurrent;
using System.Net;
using Lanes.Discovery;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Kubernetes.Cluster;

/// <summary>
/// One version of a Service's endpoints: its slices with their pods' lanes, the endpoint lists built from them per
/// port (once, on first use), and the token that fires when the next version replaces this one.
/// </summary>
internal sealed class ServiceSnapshot
{
    private readonly ConcurrentDictionary<string, PortView> _views = new(StringComparer.Ordinal);
    private readonly string _service;
    private readonly string _namespace;

    private readonly bool _sharedAddresses;

    public ServiceSnapshot(string service, string ns, ResolvedSlice[] slices, string? namespaceProblem, bool sharedAddresses)
    {
        _sharedAddresses = sharedAddresses;
        _service = service;
        _namespace = ns;
        Slices = slices;
        NamespaceProblem = namespaceProblem;
        ChangeToken = new CancellationChangeToken(Changed.Token);
    }

    /// <summary>The slices in name order.</summary>
    public ResolvedSlice[] Slices { get; }

    /// <summary>Why the namespace's resources could not be listed or watched, when that was the case.</summary>
    public string? NamespaceProblem { get; }

    public CancellationTokenSource Changed { get; } = new();

    public IChangeToken ChangeToken { get; }

    /// <summary>The endpoints on <paramref name="portName"/> (null: the Service's single port).</summary>
    public PortView GetView(string? portName) =>
        _views.TryGetValue(portName ?? string.Empty, out var view)
            ? view
            : _views.GetOrAdd(portName ?? string.Empty, static (key, self) => self.Build(key.Length == 0 ? null : key), this);

    private PortView Build(string? portName)
    {
        if (Slices.Length == 0)
        {
            return new PortView([], NamespaceProblem ??
                $"Kubernetes Service '{_service}' was not found in namespace '{_namespace}' (no EndpointSlice is labelled {KubernetesNames.ServiceNameLabel}={_service}).");
        }

        var outcomes = 0;
        ServiceEndpoint[] endpoints;
        if (Slices.Length == 1)
        {
            endpoints = Slices[0].GetEndpoints(portName, out var outcome);
            outcomes = Outcome(Slices[0], outcome);
        }
        else
        {
            endpoints = Merge(portName, ref outcomes);
        }

        return new PortView(endpoints, endpoints.Length == 0 ? Explain(portName, outcomes) : null);
    }

    // Only slices with endpoints say anything about ports: a Service scaled to zero keeps an empty, port-less slice.
    private static int Outcome(ResolvedSlice slice, PortOutcome outcome) =>
        slice.Source.Endpoints.Length > 0 || slice.Source.Ignored[(int)IgnoredReason.NoPort] > 0 ? 1 << (int)outcome : 0;

    // A pod can briefly sit in two slices while the controller moves it: keep one endpoint per address, the routable
    // one. The Service counts shared addresses as slices come and go, so the usual case is a plain concatenation.
    private ServiceEndpoint[] Merge(string? portName, ref int outcomes)
    {
        var total = 0;
        var parts = new ServiceEndpoint[Slices.Length][];
        for (var i = 0; i < Slices.Length; i++)
        {
            parts[i] = Slices[i].GetEndpoints(portName, out var outcome);
            outcomes |= Outcome(Slices[i], outcome);
            total += parts[i].Length;
        }

        var result = new ServiceEndpoint[total];
        if (!_sharedAddresses)
        {
            var at = 0;
            foreach (var part in parts)
            {
                part.CopyTo(result, at);
                at += part.Length;
            }

            return result;
        }

        var count = 0;
        var ipv4 = new Dictionary<long, int>(total);   // IPv4 address and port as one number: the common case, hashed cheaply
        Dictionary<EndPoint, int>? others = null;
        foreach (var part in parts)
        {
            foreach (var endpoint in part)
            {
                var added = Ipv4Key(endpoint.EndPoint) is { } key
                    ? ipv4.TryAdd(key, count)
                    : (others ??= []).TryAdd(endpoint.EndPoint, count);
                if (added)
                {
                    result[count++] = endpoint;
                    continue;
                }

                var at = Ipv4Key(endpoint.EndPoint) is { } same ? ipv4[same] : others![endpoint.EndPoint];
                if (ServiceInstance.From(endpoint) is { Healthy: true } && ServiceInstance.From(result[at]) is { Healthy: false })
                {
                    result[at] = endpoint;
                }
            }
        }

        return count == total ? result : result[..count];
    }

    private static long? Ipv4Key(EndPoint endPoint)
    {
        Span<byte> bytes = stackalloc byte[4];
        return endPoint is IPEndPoint { AddressFamily: System.Net.Sockets.AddressFamily.InterNetwork } ip && ip.Address.TryWriteBytes(bytes, out _)
            ? ((long)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes) << 16) | (uint)ip.Port
            : null;
    }

    private string? Explain(string? portName, int outcomes)
    {
        if (outcomes == 0 || (outcomes & (1 << (int)PortOutcome.Found)) != 0)
        {
            // Ports fit: no endpoint is simply a Service with no pods (routing says so), unless the pods could not be read.
            return NamespaceProblem;
        }

        var ports = string.Join(", ", Slices.SelectMany(static s => s.Source.Ports).Select(static p => p.Name.Length == 0 ? p.Number.ToString(System.Globalization.CultureInfo.InvariantCulture) : p.Name).Distinct());
        if ((outcomes & (1 << (int)PortOutcome.Ambiguous)) != 0)
        {
            return $"Kubernetes Service '{_service}' in namespace '{_namespace}' has several ports ({ports}); name the one to call, for example http://_<port name>.{_service}.";
        }

        if ((outcomes & (1 << (int)PortOutcome.NoSuchPort)) != 0)
        {
            return $"Kubernetes Service '{_service}' in namespace '{_namespace}' has no port named '{portName}' (its ports: {ports}).";
        }

        return $"Kubernetes Service '{_service}' in namespace '{_namespace}' exposes no TCP port, so there is nothing to send a request to.";
    }
}
