using System.Net;
using System.Text.Json.Nodes;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using k8s.Autorest;
using k8s;

namespace Lanes.RolloutController.Cluster;

/// <summary>
/// List-then-watch of one resource collection that survives the ways watches end: a closed stream resumes from the
/// last resourceVersion seen, an expired one (410 Gone) relists, an error retries after a pause.
/// </summary>
internal sealed partial class ResourceWatcher(
    IKubernetes client,
    string group,
    string version,
    string plural,
    string? ns,
    Action<WatchEventType, JsonObject> onEvent,
    TimeProvider timeProvider,
    TimeSpan watchTimeout,
    TimeSpan retryDelay,
    ILogger logger,
    ObjectCache? cache = null)
{
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes after the first list was delivered.</summary>
    public Task Synced => _synced.Task;

    public string Resource => string.IsNullOrEmpty(group) ? plural : plural + "." + group;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string? resourceVersion = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    resourceVersion = await ListAsync(cancellationToken).ConfigureAwait(false);
                    _synced.TrySetResult();
                }

                var expired = false;
                Exception? failure = null;
                var received = 0;
                void OnError(Exception e)
                {
                    if (e is KubernetesException { Status.Code: (int)HttpStatusCode.Gone })
                    {
                        expired = true;
                    }
                    else
                    {
                        failure = e;
                    }
                }

                var events = ns is null
                    ? client.CustomObjects.WatchListClusterCustomObjectAsync(
                        group, version, plural, allowWatchBookmarks: true, resourceVersion: resourceVersion,
                        timeoutSeconds: (int)watchTimeout.TotalSeconds, onError: OnError, cancellationToken: cancellationToken)
                    : client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                        group, version, ns, plural, allowWatchBookmarks: true, resourceVersion: resourceVersion,
                        timeoutSeconds: (int)watchTimeout.TotalSeconds, onError: OnError, cancellationToken: cancellationToken);
                await foreach (var (type, raw) in events.ConfigureAwait(false))
                {
                    received++;
                    var item = raw switch
                    {
                        JsonElement element => JsonSerializer.SerializeToNode(element) as JsonObject,
                        JsonObject node => node,
                        null => null,
                        _ => JsonSerializer.SerializeToNode(raw) as JsonObject,
                    };
                    if (item?["metadata"]?["resourceVersion"]?.GetValue<string>() is { Length: > 0 } seen)
                    {
                        resourceVersion = seen;
                    }

                    if (type != WatchEventType.Bookmark && item is not null)
                    {
                        cache?.Apply(type, item);
                        onEvent(type, item);
                    }
                }

                if (expired)
                {
                    Log.Expired(logger, Resource, resourceVersion);
                    resourceVersion = null;
                    continue;
                }

                if (failure is not null)
                {
                    Log.WatchError(logger, Resource, failure);
                }

                Log.Closed(logger, Resource, resourceVersion);
                if (received == 0 || failure is not null)
                {
                    await Task.Delay(retryDelay, timeProvider, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Gone)
            {
                Log.Expired(logger, Resource, resourceVersion);
                resourceVersion = null;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or KubernetesException or JsonException or TaskCanceledException)
            {
                Log.WatchError(logger, Resource, e);
                try
                {
                    await Task.Delay(retryDelay, timeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        var list = ns is null
            ? await client.CustomObjects.ListClusterCustomObjectAsync<JsonObject>(group, version, plural, cancellationToken: cancellationToken).ConfigureAwait(false)
            : await client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(group, version, ns, plural, cancellationToken: cancellationToken).ConfigureAwait(false);
        var items = (list["items"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        cache?.Replace(items);
        foreach (var item in items)
        {
            onEvent(WatchEventType.Added, item);
        }

        var resourceVersion = list["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "0";
        Log.Listed(logger, Resource, (list["items"] as JsonArray)?.Count ?? 0, resourceVersion);
        return resourceVersion;
    }
}
