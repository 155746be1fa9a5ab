namespace Lanes.RolloutController.Api;

/// <summary>Pause of a step.</summary>
internal sealed class RolloutPause
{
    /// <summary>Seconds to wait; <see langword="null"/> waits for approval.</summary>
    public int? Duration { get; set; }
}
