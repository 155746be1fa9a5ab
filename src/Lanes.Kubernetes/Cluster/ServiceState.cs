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
        _current = new ServiceSnapshot(name, ns, [], namespaceProblem);
    }

    public string Name { get; }

    /// <summary>The slices by name.</summary>
    public Dictionary<string, SliceEndpoints> Slices { get; } = new(StringComparer.Ordinal);

    /// <summary>Discovery providers that follow this Service; a Service with none and no slices is forgotten.</summary>
    public int References { get; set; }

    public ServiceSnapshot Current => _current;

    /// <summary>
    /// Builds the next snapshot when the endpoints (or their pods' lanes) changed, or when <paramref name="force"/>;
    /// returns the replaced snapshot's token source, to be cancelled outside the lock, or null when nothing changed.
    /// </summary>
    public CancellationTokenSource? Publish(IPodLanes pods, string? namespaceProblem, bool force)
    {
        var previous = _current;
        var names = new string[Slices.Count];
        Slices.Keys.CopyTo(names, 0);
        Array.Sort(names, StringComparer.Ordinal);

        var changed = force || names.Length != previous.Slices.Length;
        var resolved = new Dictionary<string, ResolvedSlice>(names.Length, StringComparer.Ordinal);
        var slices = new ResolvedSlice[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            var slice = ResolvedSlice.Resolve(Slices[names[i]], pods, _resolved.GetValueOrDefault(names[i]));
            resolved[names[i]] = slice;
            slices[i] = slice;
            changed |= i >= previous.Slices.Length || !ReferenceEquals(previous.Slices[i], slice);
        }

        if (!changed)
        {
            return null;
        }

        _resolved = resolved;
        _current = new ServiceSnapshot(Name, _namespace, slices, namespaceProblem);
        return previous.Changed;
    }
}
