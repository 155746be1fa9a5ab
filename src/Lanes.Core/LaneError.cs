namespace Lanes;

/// <summary>Why a lane name is not valid.</summary>
public enum LaneError
{
    /// <summary>The name is valid.</summary>
    None,

    /// <summary>The name is empty.</summary>
    Empty,

    /// <summary>The name is longer than <see cref="Lane.MaxLength"/> characters.</summary>
    TooLong,

    /// <summary>The name holds a character other than lowercase letters, digits, <c>-</c>, <c>.</c> and <c>_</c>.</summary>
    InvalidCharacter,
}
