namespace Lanes.Routing;

/// <summary>
/// Passive health (<c>Lanes:Routing:PassiveHealth</c>): instances whose calls fail are taken out of rotation for a
/// while. By default only transport failures count (the instance could not be reached, or dropped the connection),
/// as in YARP's default passive policy: an answer, even a 5xx, proves the instance is there, and a 5xx it merely
/// relays from further down the chain is not its fault.
/// </summary>
public sealed class PassiveHealthOptions
{
    /// <summary>Whether failed calls eject instances.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Transport failures in a row that eject an instance. The last available instance of its lane (or of base) is
    /// never ejected on a single failure: it needs at least two in a row.
    /// </summary>
    /// <value>The default value is 1.</value>
    public int ConsecutiveFailures { get; set; } = 1;

    /// <summary>How long an ejected instance stays out of rotation (unless it answers a call first, or re-registers).</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan EjectionTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether 5xx answers count against the instance that gave them, through a failure rate over a window
    /// (<see cref="FailureRate"/>, <see cref="FailureRateWindow"/>, <see cref="MinimumCalls"/>), never on one answer.
    /// Refusals Lanes itself answers (no instance of a strict lane further down) never count.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool CountServerErrors { get; set; }

    /// <summary>The share of failed calls (5xx and transport failures) within the window that ejects an instance, above 0 and at most 1.</summary>
    /// <value>The default value is 0.5.</value>
    public double FailureRate { get; set; } = 0.5;

    /// <summary>The window the failure rate is measured over.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan FailureRateWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The fewest calls within the window before the failure rate is judged (at least 2).</summary>
    /// <value>The default value is 10.</value>
    public int MinimumCalls { get; set; } = 10;
}
