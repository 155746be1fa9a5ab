namespace Lanes.Propagation;

/// <summary>Why a lane carried on a request or message was ignored (and the request treated as base).</summary>
public enum LaneRejection
{
    /// <summary>The lane was accepted, or none was carried.</summary>
    None,

    /// <summary>The carrier was larger than <see cref="LaneReader.MaxCarrierLength"/>.</summary>
    TooLong,

    /// <summary>The value is not a valid lane name (bad characters, CR/LF, too long for a lane).</summary>
    Invalid,

    /// <summary>The lane header was sent several times with different values.</summary>
    Conflicting,
}
