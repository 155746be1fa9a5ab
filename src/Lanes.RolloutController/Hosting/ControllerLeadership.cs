namespace Lanes.RolloutController.Hosting;

/// <summary>Whether this replica runs the reconcilers now: it leads (or leader election is off) and its informers started.</summary>
internal sealed class ControllerLeadership
{
    private volatile bool _leading;

    public bool IsLeading => _leading;

    public void StartedLeading() => _leading = true;

    public void StoppedLeading() => _leading = false;
}
