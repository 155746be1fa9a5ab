using System.Runtime.InteropServices;

namespace Lanes.Kubernetes.Cluster;

/// <summary>
/// A Service of a watched namespace: its EndpointSlices as last seen and the snapshot routing reads. Changed only
/// under the namespace's lock; <see cref="Current"/> is read without it.
/// </summary>
internal sealed class ServiceState
{
    private readonly string _namespace;
    private Dictionary<string, ResolvedSlice> _resolved = new(StringComparer.Ordinal);
    private volatile ServiceSnapshot _current;

    public ServiceState(string name, string ns, string? namespaceProblem)
    {
        Name = name;
        _namespace = ns;
        _current = new ServiceSnapshot(name, ns, [], namespaceProblem, sharedAddresses: false);
    }

    public string Name { get; }

    // How many endpoints, over all slices, have each address: above one, the endpoint lists must be deduplicated.
    private readonly Dictionary<string, int> _addresses = new(StringComparer.Ordinal);
    private int _sharedAddresses;

    /// <summary>The slices by name.</summary>
    public IReadOnlyDictionary<string, SliceEndpoints> Slices => _slices;

    private readonly Dictionary<string, SliceEndpoints> _slices = new(StringComparer.Ordinal);

    public void SetSlice(string name, SliceEndpoints slice)
    {
        RemoveSlice(name);
        _slices[name] = slice;
        foreach (var endpoint in slice.Endpoints)
        {
            ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(_addresses, endpoint.Address, out _);
            if (++count == 2)
            {
                _sharedAddresses++;
            }
        }
    }

    public bool RemoveSlice(string name)
    {
        if (!_slices.Remove(name, out var slice))
        {
            return false;
        }

        foreach (var endpoint in slice.Endpoints)
        {
            ref var count = ref CollectionsMarshal.GetValueRefOrNullRef(_addresses, endpoint.Address);
            if (--count == 1)
            {
                _sharedAddresses--;
            }
            else if (count == 0)
            {
                _addresses.Remove(endpoint.Address);
            }
        }

        return true;
    }

    /// <summary>Discovery providers that follow this Service; a Service with none and no slices is forgotten.</summary>
    public int References { get; set; }

    public ServiceSnapshot Current => _current;

    /// <summary>
    /// Builds the next snapshot when the endpoints (or their pods' lanes) changed, or when <paramref name="force"/>;
    /// returns the replaced snapshot's token source, to be cancelled outside the lock, or null when nothing changed.
    /// Only slices that changed, or that name one of <paramref name="changedPods"/> (null: any pod may have changed),
    /// are resolved again: one endpoint's change costs one slice, not the Service.
    /// </summary>
    public CancellationTokenSource? Publish(IPodLanes pods, string? namespaceProblem, bool force, IReadOnlySet<string>? changedPods = null)
    {
        var previous = _current;
        var names = new string[_slices.Count];
        _slices.Keys.CopyTo(names, 0);
        Array.Sort(names, StringComparer.Ordinal);

        var changed = force || names.Length != previous.Slices.Length;
        var resolved = new Dictionary<string, ResolvedSlice>(names.Length, StringComparer.Ordinal);
        var slices = new ResolvedSlice[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            var source = _slices[names[i]];
            var known = _resolved.GetValueOrDefault(names[i]);
            var slice = known is not null && ReferenceEquals(known.Source, source) && changedPods is not null && !Names(source, changedPods)
                ? known
                : ResolvedSlice.Resolve(source, pods, known);
            resolved[names[i]] = slice;
            slices[i] = slice;
            changed |= i >= previous.Slices.Length || !ReferenceEquals(previous.Slices[i], slice);
        }

        if (!changed)
        {
            return null;
        }

        _resolved = resolved;
        _current = new ServiceSnapshot(Name, _namespace, slices, namespaceProblem, _sharedAddresses > 0);
        return previous.Changed;
    }

    private static bool Names(SliceEndpoints slice, IReadOnlySet<string> pods)
    {
        if (slice.PodNames is not { } names || pods.Count == 0)
        {
            return false;
        }

        foreach (var pod in pods)
        {
            if (names.Contains(pod))
            {
                return true;
            }
        }

        return false;
    }
}
