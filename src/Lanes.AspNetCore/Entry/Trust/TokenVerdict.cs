namespace Lanes.AspNetCore.Entry.Trust;

/// <summary>What checking a lane token found.</summary>
internal enum TokenVerdict
{
    Valid,
    Malformed,
    UnknownKey,
    Forged,
    Expired,
}
