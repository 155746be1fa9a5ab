namespace Lanes.Routing;

/// <summary>Passive health (<c>Lanes:Routing:PassiveHealth</c>): eject instances after failed calls, as YARP does.</summary>
public sealed class PassiveHealthOptions
{
    /// <summary>Whether failed calls eject instances.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Consecutive failures (connection errors or 5xx answers) that eject an instance.</summary>
    /// <value>The default value is 1.</value>
    public int ConsecutiveFailures { get; set; } = 1;

    /// <summary>How long an ejected instance stays out of rotation.</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan EjectionTime { get; set; } = TimeSpan.FromSeconds(10);
}
