namespace Lanes.RolloutController.Cluster;

/// <summary>
/// client-go's work queue semantics: a key waits at most once, is never handed to two workers at the same time,
/// and a key added while being processed runs again after <see cref="Done"/>. Delays use the <see cref="TimeProvider"/>.
/// </summary>
internal sealed class WorkQueue<T> : IDisposable
    where T : notnull
{
    private readonly Lock _lock = new();
    private readonly Queue<T> _queue = new();
    private readonly HashSet<T> _dirty = [];
    private readonly HashSet<T> _processing = [];
    private readonly Dictionary<T, (ITimer Timer, DateTimeOffset Due)> _delayed = [];
    private readonly SemaphoreSlim _available = new(0);
    private readonly TimeProvider _timeProvider;
    private bool _disposed;

    public WorkQueue(TimeProvider timeProvider) => _timeProvider = timeProvider;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    public void Add(T item)
    {
        lock (_lock)
        {
            if (_disposed || !_dirty.Add(item))
            {
                return;
            }

            if (_processing.Contains(item))
            {
                return;
            }

            _queue.Enqueue(item);
        }

        _available.Release();
    }

    public void AddAfter(T item, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(item);
            return;
        }

        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            var due = _timeProvider.GetUtcNow() + delay;
            if (_delayed.TryGetValue(item, out var existing))
            {
                if (existing.Due <= due)
                {
                    return;
                }

                existing.Timer.Dispose();
            }

            // Timers must not capture the caller's ExecutionContext (AsyncLocals of a reconcile pass).
            ITimer timer;
            using (ExecutionContext.SuppressFlow())
            {
                timer = _timeProvider.CreateTimer(static state => ((WorkQueue<T>)((object[])state!)[0]).Fire((T)((object[])state!)[1]), new object[] { this, item }, delay, Timeout.InfiniteTimeSpan);
            }

            _delayed[item] = (timer, due);
        }
    }

    private void Fire(T item)
    {
        lock (_lock)
        {
            if (_delayed.Remove(item, out var entry))
            {
                entry.Timer.Dispose();
            }
        }

        Add(item);
    }

    public async ValueTask<T> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                if (_queue.TryDequeue(out var item))
                {
                    _dirty.Remove(item);
                    _processing.Add(item);
                    return item;
                }
            }
        }
    }

    public void Done(T item)
    {
        var requeue = false;
        lock (_lock)
        {
            _processing.Remove(item);
            if (_dirty.Contains(item) && !_disposed)
            {
                _queue.Enqueue(item);
                requeue = true;
            }
        }

        if (requeue)
        {
            _available.Release();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var (timer, _) in _delayed.Values)
            {
                timer.Dispose();
            }

            _delayed.Clear();
        }

        _available.Dispose();
    }
}
