namespace Lanes.Extensibility;

/// <summary>
/// The routing decisions of one inbound request and of the hops behind it, collected for the opt-in
/// <c>lanes-route</c> response header. Ambient for the request when the header is enabled. The inbound middleware
/// begins it; every package that routes a request (Lanes' HTTP routing, Lanes.Yarp) adds its decision, so one header
/// shows the whole path.
/// </summary>
public sealed class RouteTrace
{
    /// <summary>The response header that carries the trace.</summary>
    public const string HeaderName = "lanes-route";

    private const int MaxEntries = 64;   // a runaway fan-out must not grow the header without bound
    private static readonly AsyncLocal<RouteTrace?> s_current = new();
    private readonly List<string> _entries = [];

    /// <summary>The trace of the current request, when the route header is enabled.</summary>
    public static RouteTrace? Current => s_current.Value;

    /// <summary>Starts collecting for the current logical call.</summary>
    public static RouteTrace Begin()
    {
        var trace = new RouteTrace();
        s_current.Value = trace;
        return trace;
    }

    /// <summary>Adds one decision or a downstream hop's header value.</summary>
    /// <param name="entry">The entry.</param>
    public void Add(string entry)
    {
        lock (_entries)
        {
            if (_entries.Count < MaxEntries)
            {
                _entries.Add(entry);
            }
        }
    }

    /// <summary>The entries in call order, comma-separated.</summary>
    public override string ToString()
    {
        lock (_entries)
        {
            return string.Join(", ", _entries);
        }
    }
}
