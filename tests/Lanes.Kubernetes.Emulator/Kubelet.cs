using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// The node agent: gives each pod its address (127.B.x.y, a /16 per emulator), starts it on the <see cref="EmulatorOptions.PodRuntime"/>,
/// keeps its <c>Ready</c> condition in step with the runtime (or with <see cref="EmulatorOptions.PodReadyAfter"/>),
/// writes the <c>Ready</c> condition's <c>lastTransitionTime</c> (what minReadySeconds counts from), and removes a
/// terminating pod once its containers stopped (without a runtime: <see cref="EmulatorOptions.PodTerminationTime"/> after
/// the deletion) or its grace period ran out.
/// </summary>
internal sealed class Kubelet(ResourceStore store, EmulatorOptions options)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset?> _readyAt = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _terminatingSince = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _addresses = new(StringComparer.Ordinal);
    private readonly HashSet<string> _started = new(StringComparer.Ordinal);
    private readonly PodAddresses _pool = new();

    /// <summary>Fixes when a pod created by a controller turns ready, at its creation (as the tests' knobs expect).</summary>
    public void Created(JsonObject pod)
    {
        var after = options.PodReadyAfter(pod);
        _readyAt[Uid(pod)] = after is null ? null : options.TimeProvider.GetUtcNow() + after.Value;
    }

    public void SimulateOnce()
    {
        var now = options.TimeProvider.GetUtcNow();
        var runtime = options.PodRuntime;
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in store.List(ResourceType.Pods, null).Items)
        {
            var uid = Uid(pod);
            present.Add(uid);
            var key = new StoredObjectKey(ResourceType.Pods, Metadata(pod, "namespace"), Metadata(pod, "name"));
            if (pod["metadata"]?["deletionTimestamp"]?.GetValue<string>() is { } deletion)
            {
                var expired = DateTimeOffset.TryParse(deletion, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var deadline) && now >= deadline;
                var since = _terminatingSince.GetOrAdd(uid, now);
                var stopped = runtime is null ? expired || now >= since + options.PodTerminationTime : runtime.TryStop(pod, expired);
                if (stopped)
                {
                    store.ForceDelete(key);
                }

                continue;
            }

            var address = pod["status"]?["podIP"]?.GetValue<string>();
            var assign = address is null;
            if (assign)
            {
                address = _pool.Allocate();
                _addresses[uid] = address;
                pod["status"] = pod["status"] as JsonObject ?? [];
                pod["status"]!["podIP"] = address;
            }

            var start = runtime is not null && _started.Add(uid);
            if (start)
            {
                runtime!.Start(pod);
            }

            var wasReady = IsReady(pod);
            bool ready;
            if (runtime is not null)
            {
                ready = runtime.IsReady(pod);
            }
            else
            {
                if (!_readyAt.TryGetValue(uid, out var at))
                {
                    Created(pod);
                    at = _readyAt[uid];
                }

                ready = wasReady || (at is { } readyAt && readyAt <= now);
            }

            if (assign || start || ready != wasReady)
            {
                var phase = ready || runtime is not null ? "Running" : "Pending";
                store.Mutate(key, p =>
                {
                    var status = p["status"] as JsonObject ?? [];
                    p["status"] = status;
                    status["podIP"] = address;
                    status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = address });
                    status["hostIP"] = "127.0.0.1";
                    status["phase"] = phase;
                    var readyStatus = ready ? "True" : "False";
                    var previous = (status["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(static c => c["type"]?.GetValue<string>() == "Ready");
                    var transition = previous?["status"]?.GetValue<string>() == readyStatus && previous["lastTransitionTime"] is { } kept
                        ? kept.DeepClone()
                        : DeploymentConditions.Timestamp(now);
                    status["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = readyStatus, ["lastTransitionTime"] = transition });
                    return true;
                }, statusOnly: true);
            }
        }

        foreach (var gone in _addresses.Keys.Where(uid => !present.Contains(uid)).ToList())
        {
            _pool.Release(_addresses[gone]);
            _addresses.Remove(gone);
            _started.Remove(gone);
            _readyAt.TryRemove(gone, out _);
            _terminatingSince.TryRemove(gone, out _);
        }
    }

    public static bool IsReady(JsonObject pod) =>
        pod["status"]?["conditions"] is JsonArray conditions &&
        conditions.Any(static c => c?["type"]?.GetValue<string>() == "Ready" && c?["status"]?.GetValue<string>() == "True");

    private static string Uid(JsonObject pod) => Metadata(pod, "uid");

    private static string Metadata(JsonObject obj, string field) => obj["metadata"]?[field]?.GetValue<string>() ?? "";
}
