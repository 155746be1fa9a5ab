namespace Lanes.Propagation;

/// <summary>
/// Wakes what waits for lane traffic at the next lane entered (<see cref="LaneContext.Enter(Lane)"/> with a lane other
/// than base). Break detection waits here while the process has no lane traffic: watching HttpClient's diagnostics makes
/// .NET describe every call of the process, which base-only traffic should not pay for.
/// </summary>
/// <remarks>
/// The entry path reads one static flag; the wake-ups run once, on the thread that entered the lane, before any call
/// made in that lane.
/// </remarks>
internal static class LaneEntryWatch
{
    private static readonly Lock s_gate = new();
    private static Action[] s_waiting = [];
    private static volatile bool s_armed;

    /// <summary>Whether anything waits for the next lane entered.</summary>
    public static bool Armed => s_armed;

    /// <summary>Calls <paramref name="wake"/> once, at the next lane entered.</summary>
    public static void WakeAtNextLane(Action wake)
    {
        lock (s_gate)
        {
            if (Array.IndexOf(s_waiting, wake) < 0)
            {
                s_waiting = [.. s_waiting, wake];
            }

            s_armed = true;
        }
    }

    /// <summary>Forgets <paramref name="wake"/> if it still waits.</summary>
    public static void Cancel(Action wake)
    {
        lock (s_gate)
        {
            var index = Array.IndexOf(s_waiting, wake);
            if (index < 0)
            {
                return;
            }

            var rest = new Action[s_waiting.Length - 1];
            Array.Copy(s_waiting, 0, rest, 0, index);
            Array.Copy(s_waiting, index + 1, rest, index, rest.Length - index);
            s_waiting = rest;
            s_armed = rest.Length > 0;
        }
    }

    /// <summary>A lane was entered: wakes everything that waited for it.</summary>
    public static void LaneEntered()
    {
        Action[] waiting;
        lock (s_gate)
        {
            waiting = s_waiting;
            s_waiting = [];
            s_armed = false;
        }

        foreach (var wake in waiting)
        {
            wake();
        }
    }
}
