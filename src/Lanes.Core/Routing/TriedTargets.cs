namespace Lanes.Routing;

/// <summary>The instances a request has already failed on (at most two remembered), so a new pick avoids them.</summary>
internal struct TriedTargets
{
    private string? _first;
    private string? _second;

    public TriedTargets(string? failed) => _first = failed;

    public readonly bool IsEmpty => _first is null;

    public readonly bool Contains(RouteTarget target) =>
        _first is not null && (string.Equals(_first, target.Address, StringComparison.Ordinal) || string.Equals(_second, target.Address, StringComparison.Ordinal));

    public void Add(RouteTarget target)
    {
        if (_first is null)
        {
            _first = target.Address;
        }
        else
        {
            _second = target.Address;
        }
    }
}
