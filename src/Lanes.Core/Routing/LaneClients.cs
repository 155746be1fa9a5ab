using System.Collections.Frozen;

namespace Lanes.Routing;

/// <summary>The names of the HTTP clients that called <c>AddLanes()</c>.</summary>
internal sealed class LaneClients(IEnumerable<LaneClients.Name> names)
{
    private readonly FrozenSet<string> _names = names.Select(static n => n.Value).ToFrozenSet(StringComparer.Ordinal);

    public bool Contains(string name) => _names.Contains(name);

    /// <summary>One registration per <c>AddLanes()</c> call.</summary>
    internal sealed record Name(string Value);
}
