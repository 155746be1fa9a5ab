using System.Threading.Channels;

namespace Lanes.Kubernetes.Emulator;

/// <summary>One open watch: events flow through <see cref="Events"/> until the store or the client ends it.</summary>
public sealed class WatchSubscription : IDisposable
{
    private readonly Action<WatchSubscription> _onDispose;

    internal WatchSubscription(ResourceType type, string? ns, LabelSelector? selector, FieldSelector? fields, Action<WatchSubscription> onDispose)
    {
        Fields = fields;
        Type = type;
        Namespace = ns;
        Selector = selector;
        _onDispose = onDispose;
    }

    internal ResourceType Type { get; }

    internal string? Namespace { get; }

    internal LabelSelector? Selector { get; }

    internal FieldSelector? Fields { get; }

    /// <summary>How many synthetic ADDED events for existing objects the watch began with.</summary>
    internal int InitialEvents { get; set; }

    /// <summary>The store's resourceVersion when the watch began (what the initial-events-end bookmark carries).</summary>
    internal long StartVersion { get; set; }

    internal Channel<WatchEvent> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<WatchEvent>(new() { SingleReader = true });

    public ChannelReader<WatchEvent> Events => Channel.Reader;

    private int _pending;

    /// <summary>Events written to the watch and not yet read by <see cref="TryRead"/>.</summary>
    internal int Pending => Volatile.Read(ref _pending);

    internal void Enqueue(WatchEvent e)
    {
        if (Channel.Writer.TryWrite(e))
        {
            Interlocked.Increment(ref _pending);
        }
    }

    internal bool TryRead(out WatchEvent e)
    {
        if (Channel.Reader.TryRead(out e!))
        {
            Interlocked.Decrement(ref _pending);
            return true;
        }

        return false;
    }

    internal bool Accepts(WatchEvent e) =>
        e.Key.Type == Type && (Namespace is null || Namespace == e.Key.Namespace) && (Selector is null || Selector.Matches(e.Object)) && (Fields is null || Fields.Matches(e.Object));

    public void Dispose()
    {
        Channel.Writer.TryComplete();
        _onDispose(this);
    }
}
