namespace Lanes.RolloutController.Api;

/// <summary>Release strategy; canary and blue-green exclude each other.</summary>
internal sealed class RolloutStrategy
{
    /// <summary>Pauses the whole release.</summary>
    public bool Paused { get; set; }

    /// <summary>Canary release in steps.</summary>
    public CanaryStrategy? Canary { get; set; }

    /// <summary>Blue-green release; kept so it can be reported as unsupported.</summary>
    public System.Text.Json.Nodes.JsonObject? BlueGreen { get; set; }
}
