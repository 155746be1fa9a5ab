namespace Lanes.Routing;

/// <summary>
/// The routing state of one logical request, kept in its <see cref="HttpRequestMessage.Options"/>: the lane it routes
/// by and the instances its attempts were sent to. Resilience handlers that send copies of the request (hedging)
/// copy its options, so every copy shares this object and each attempt avoids the instances the others went to.
/// </summary>
internal sealed class LaneRequestState
{
    public static readonly HttpRequestOptionsKey<LaneRequestState> Key = new("Lanes.Routing.RequestState");

    private readonly Lock _gate = new();
    private TriedTargets _tried;
    private string? _lane;
    private bool _hasLane;

    /// <summary>The lane of the first attempt; later attempts (retries, hedged copies) keep it.</summary>
    public Lane GetOrSetLane(Lane lane)
    {
        lock (_gate)
        {
            if (!_hasLane)
            {
                _lane = lane.Name;
                _hasLane = true;
            }

            return new Lane(_lane);
        }
    }

    /// <summary>The instances attempts were sent to so far.</summary>
    public TriedTargets Tried
    {
        get
        {
            lock (_gate)
            {
                return _tried;
            }
        }
    }

    /// <summary>Records an attempt sent to <paramref name="address"/>; <paramref name="unreachable"/> when it could not be reached.</summary>
    public void Add(string address, bool unreachable)
    {
        lock (_gate)
        {
            _tried.Add(address, unreachable);
        }
    }
}
