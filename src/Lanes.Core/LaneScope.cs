namespace Lanes;

/// <summary>Restores the lane that was ambient before <see cref="LaneContext.Enter(Lane)"/> when disposed.</summary>
public readonly struct LaneScope : IDisposable
{
    private readonly string? _previous;
    private readonly bool _entered;

    internal LaneScope(string? previous)
    {
        _previous = previous;
        _entered = true;
    }

    /// <summary>Restores the previous ambient lane.</summary>
    public void Dispose()
    {
        if (_entered)
        {
            LaneContext.Restore(_previous);
        }
    }
}
