using System.Text.Json.Nodes;
using ConcurrentQueueList = System.Collections.Concurrent.ConcurrentQueue<(string Key, Lanes.Nacos.StandIn.StandInInstance Instance)>;

namespace Lanes.Nacos.StandIn;

/// <summary>
/// What one run of the server holds: instances per service (ephemeral gRPC ones bound to their connection, gone
/// with it), connections and their subscriptions. Every change is pushed to the service's subscribers with a
/// <c>NotifySubscriberRequest</c>, as the server's PushExecutor does; acknowledgements are counted.
/// </summary>
internal sealed class NamingState(NacosStandInOptions options, ConcurrentQueueList history)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, StandInInstance>> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StandInConnection> _connections = new(StringComparer.Ordinal);
    private long _lastRefTime = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private int _acks;
    private int _pushes;

    public int Acks => Volatile.Read(ref _acks);

    public int Pushes => Volatile.Read(ref _pushes);

    public static string Key(string? ns, string group, string service) => $"{(string.IsNullOrEmpty(ns) ? "public" : ns)}|{group}|{service}";

    public bool IsRegistered(string connectionId)
    {
        lock (_gate)
        {
            return _connections.ContainsKey(connectionId);
        }
    }

    public IReadOnlyList<StandInConnection> Connections
    {
        get
        {
            lock (_gate)
            {
                return [.. _connections.Values];
            }
        }
    }

    public void Register(StandInConnection connection)
    {
        lock (_gate)
        {
            _connections[connection.Id] = connection;
        }
    }

    /// <summary>The connection closed: its ephemeral instances and subscriptions go, and subscribers hear of it.</summary>
    public void Unregister(string connectionId)
    {
        List<string> changed = [];
        lock (_gate)
        {
            if (!_connections.Remove(connectionId))
            {
                return;
            }

            foreach (var (key, instances) in _services)
            {
                var gone = instances.Where(i => i.Value.ConnectionId == connectionId).Select(i => i.Key).ToList();
                foreach (var instance in gone)
                {
                    instances.Remove(instance);
                }

                if (gone.Count > 0)
                {
                    changed.Add(key);
                }
            }
        }

        foreach (var key in changed)
        {
            Push(key);
        }
    }

    public void Upsert(string key, StandInInstance instance)
    {
        history.Enqueue((key, instance));
        lock (_gate)
        {
            if (!_services.TryGetValue(key, out var instances))
            {
                _services[key] = instances = new Dictionary<string, StandInInstance>(StringComparer.Ordinal);
            }

            instances[instance.Key] = instance;
        }

        Push(key);
    }

    /// <summary>Replaces the whole list at once (one push).</summary>
    public void Replace(string key, IEnumerable<StandInInstance> instances)
    {
        lock (_gate)
        {
            _services[key] = instances.ToDictionary(i => i.Key, StringComparer.Ordinal);
        }

        Push(key);
    }

    public bool Remove(string key, string ip, int port, string cluster)
    {
        bool removed;
        lock (_gate)
        {
            removed = _services.TryGetValue(key, out var instances) && instances.Remove($"{ip}#{port}#{cluster}");
        }

        if (removed)
        {
            Push(key);
        }

        return removed;
    }

    public bool Contains(string key, string ip, int port, string cluster)
    {
        lock (_gate)
        {
            return _services.TryGetValue(key, out var instances) && instances.ContainsKey($"{ip}#{port}#{cluster}");
        }
    }

    public IReadOnlyList<StandInInstance> Instances(string key)
    {
        lock (_gate)
        {
            return _services.TryGetValue(key, out var instances) ? [.. instances.Values] : [];
        }
    }

    public void Subscribe(StandInConnection connection, string key, bool subscribe)
    {
        lock (_gate)
        {
            if (subscribe)
            {
                connection.Subscriptions.Add(key);
            }
            else
            {
                connection.Subscriptions.Remove(key);
            }
        }
    }

    public int Subscribers(string key)
    {
        lock (_gate)
        {
            return _connections.Values.Count(c => c.Subscriptions.Contains(key));
        }
    }

    /// <summary>The ServiceInfo the gRPC API answers and pushes (<c>name</c> without the group, as 2.x writes it).</summary>
    public JsonObject ServiceInfo(string key)
    {
        var parts = key.Split('|');
        var grouped = $"{parts[1]}@@{parts[2]}";
        var hosts = new JsonArray();
        foreach (var instance in Instances(key))
        {
            if (instance.Enabled)
            {
                hosts.Add(instance.ToJson(grouped));
            }
        }

        return new JsonObject
        {
            ["name"] = parts[2],
            ["groupName"] = parts[1],
            ["clusters"] = string.Empty,
            ["cacheMillis"] = 10000,
            ["hosts"] = hosts,
            ["lastRefTime"] = Interlocked.Increment(ref _lastRefTime),
            ["checksum"] = string.Empty,
            ["allIPs"] = false,
            ["reachProtectionThreshold"] = false,
            ["valid"] = true,
        };
    }

    public void Acknowledged() => Interlocked.Increment(ref _acks);

    private void Push(string key)
    {
        if (!options.Push)
        {
            return;
        }

        List<StandInConnection> subscribers;
        lock (_gate)
        {
            subscribers = [.. _connections.Values.Where(c => c.Subscriptions.Contains(key))];
        }

        foreach (var subscriber in subscribers)
        {
            var parts = key.Split('|');
            var request = new JsonObject
            {
                ["namespace"] = parts[0],
                ["serviceName"] = parts[2],
                ["groupName"] = parts[1],
                ["serviceInfo"] = ServiceInfo(key),
                ["module"] = "naming",
                ["headers"] = new JsonObject(),
            };
            Interlocked.Increment(ref _pushes);
            _ = PushAsync(subscriber, request);
        }
    }

    private async Task PushAsync(StandInConnection subscriber, JsonObject request)
    {
        if (await subscriber.RequestAsync("NotifySubscriberRequest", request, TimeSpan.FromSeconds(5)).ConfigureAwait(false) is { } response
            && response.Metadata?.Type == "NotifySubscriberResponse")
        {
            Acknowledged();
        }
    }
}
