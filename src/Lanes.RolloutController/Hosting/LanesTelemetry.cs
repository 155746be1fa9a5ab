using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Lanes.RolloutController.Hosting;

/// <summary>The <c>Lanes</c> ActivitySource and Meter used by the controller.</summary>
internal static class LanesTelemetry
{
    public const string Name = "Lanes";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Reconciles = Meter.CreateCounter<long>("lanes.rollout.reconciles", description: "Rollout reconcile passes");

    public static readonly Counter<long> StatusConflicts = Meter.CreateCounter<long>("lanes.rollout.status_conflicts", description: "Status writes rejected with 409 and re-decided");

    public static readonly Counter<long> StatusWrites = Meter.CreateCounter<long>("lanes.rollout.status_writes", description: "Rollout status writes");
}
