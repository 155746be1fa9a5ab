using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Lanes.Kubernetes.Cluster;
using Lanes.Kubernetes.Watching;
using Lanes.Nacos.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Lanes.Kubernetes.Tests.Watching;

/// <summary>The list-and-watch loop against scripted answers, on virtual time.</summary>
public sealed class ResourceWatchLoopTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ConcurrentQueue<string> _calls = new();
    private readonly ConcurrentQueue<Func<Action<Exception>, IAsyncEnumerable<(WatchEventType, V1Pod)>>> _watches = new();
    private readonly ConcurrentQueue<Func<(IList<V1Pod>, string?, string?)>> _lists = new();
    private readonly List<string> _replaced = [];
    private readonly List<string> _applied = [];
    private readonly CancellationTokenSource _stop = new();

    [Fact]
    public async Task ListThenWatch_ResumesFromTheLastResourceVersionSeen()
    {
        _lists.Enqueue(() => ([Pod("a", "10")], "10", null));
        _watches.Enqueue(_ => Events((WatchEventType.Added, Pod("b", "11")), (WatchEventType.Bookmark, Pod("", "12"))));
        var watch = Start();

        await Eventually.AssertAsync(() => _calls.Count >= 3, "list, watch and the resumed watch");

        Assert.Equal(["list", "watch from 10", "watch from 12"], _calls.Take(3));
        Assert.Equal(["a"], _replaced);
        Assert.Equal(["Added b"], _applied);   // bookmarks move the resourceVersion, nothing else
        Assert.Equal(WatchHealth.Healthy, watch.Health);
    }

    [Fact]
    public async Task Expired_Relists()
    {
        _lists.Enqueue(() => ([Pod("a", "10")], "10", null));
        _watches.Enqueue(_ => Events((WatchEventType.Modified, Pod("a", "11"))));
        _watches.Enqueue(onError => Failing(onError, new KubernetesException(new V1Status { Code = 410, Reason = "Expired" })));
        _lists.Enqueue(() => ([Pod("b", "20")], "20", null));
        Start();

        await Eventually.AssertAsync(() => _calls.Count >= 5, "the relist and its watch");

        Assert.Equal(["list", "watch from 10", "watch from 11", "list", "watch from 20"], _calls.Take(5));
        Assert.Equal(["a", "b"], _replaced);
    }

    [Fact]
    public async Task AMalformedEvent_Relists_BecauseAnEventWasLost()
    {
        _lists.Enqueue(() => ([Pod("a", "10")], "10", null));
        _watches.Enqueue(onError => Failing(onError, new JsonException("unexpected token")));
        _lists.Enqueue(() => ([Pod("a", "30")], "30", null));
        Start();

        await Eventually.AssertAsync(() => _calls.Count >= 2, "the watch");
        await Eventually.AdvanceUntilAsync(_time, TimeSpan.FromMilliseconds(600), () => _calls.Count >= 3, "the relist after the backoff");

        Assert.Equal("list", _calls.ElementAt(2));
    }

    [Fact]
    public async Task Unreachable_BacksOffDoubling_UpToTheLongestDelay_ThenRecovers()
    {
        for (var i = 0; i < 6; i++)
        {
            _lists.Enqueue(() => throw new HttpRequestException("Connection refused"));
        }

        _lists.Enqueue(() => ([Pod("a", "10")], "10", null));
        var health = new List<WatchHealth>();
        var watch = Start(h => health.Add(h));
        await Eventually.AssertAsync(() => _calls.Count == 1, "the first list");

        // The call is recorded before it throws; the loop reports the failure right after.
        await Eventually.AssertAsync(() => watch.Health == WatchHealth.Unreachable, "the failed list reported");
        Assert.Contains("could not list pods in namespace 'ns' (Connection refused)", watch.Problem, StringComparison.Ordinal);

        // 0.5 s, 1 s, 2 s, 2 s (the longest), 2 s, 2 s, each within 20 % jitter: nothing happens before its time.
        foreach (var delay in new[] { 0.5, 1, 2, 2, 2, 2 })
        {
            var before = _calls.Count;
            await Task.Delay(100);   // the loop, idle otherwise, arms its timer after the failed attempt
            _time.Advance(TimeSpan.FromSeconds(delay * 0.75));
            await Task.Delay(50);
            Assert.Equal(before, _calls.Count);
            await Eventually.AdvanceUntilAsync(_time, TimeSpan.FromSeconds(delay * 0.15), () => _calls.Count > before, $"the attempt after {delay} s");
        }

        await Eventually.AssertAsync(() => watch.Health == WatchHealth.Healthy && watch.Synced, "the recovery");
        Assert.Equal([WatchHealth.Unreachable, WatchHealth.Healthy], health);   // reported on change, not per attempt
    }

    [Fact]
    public async Task Refused_IsForbidden_NamingVerbResourceAndNamespace()
    {
        _lists.Enqueue(() => throw Refusal());
        var watch = Start();

        await Eventually.AssertAsync(() => watch.Health == WatchHealth.Forbidden, "the refusal");

        Assert.StartsWith("the Kubernetes API server refused to list pods in namespace 'ns' (403 Forbidden: pods is forbidden: User \"x\" cannot list resource \"pods\"", watch.Problem, StringComparison.Ordinal);
        Assert.Contains("Grant this pod's service account get, list and watch", watch.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiredRightAfterAList_PausesBeforeListingAgain()
    {
        _lists.Enqueue(() => ([], "10", null));
        _watches.Enqueue(onError => Failing(onError, new KubernetesException(new V1Status { Code = 410 })));
        _lists.Enqueue(() => ([], "20", null));
        Start();

        await Eventually.AssertAsync(() => _calls.Count >= 2, "the list and the expired watch");
        await Task.Delay(100);
        Assert.Equal(2, _calls.Count);
        await Eventually.AdvanceUntilAsync(_time, TimeSpan.FromMilliseconds(500), () => _calls.Count >= 3, "the relist after a pause");
    }

    private ResourceWatch<V1Pod> Start(Action<WatchHealth>? onHealth = null)
    {
        ResourceWatch<V1Pod>? watch = null;
        watch = new ResourceWatch<V1Pod>(
            "pods",
            "ns",
            (continueToken, _) =>
            {
                _calls.Enqueue("list");
                return Task.FromResult(_lists.TryDequeue(out var next) ? next() : throw new HttpRequestException("no more answers"));
            },
            (resourceVersion, _, onError, _) =>
            {
                _calls.Enqueue("watch from " + resourceVersion);
                return _watches.TryDequeue(out var next) ? next(onError) : Hang();
            },
            pods =>
            {
                lock (_replaced)
                {
                    _replaced.AddRange(pods.Select(static p => p.Metadata.Name));
                }
            },
            (type, pod) => _applied.Add($"{type} {pod.Metadata.Name}"),
            () => onHealth?.Invoke(watch!.Health),
            new KubernetesDiscoveryOptions { ReconnectDelay = TimeSpan.FromMilliseconds(500), MaxReconnectDelay = TimeSpan.FromSeconds(2) },
            _time,
            new KubernetesMetrics(_services.GetRequiredService<IMeterFactory>()),
            NullLogger.Instance);
        _ = Task.Run(() => watch.RunAsync(_stop.Token));
        return watch;
    }

    private static V1Pod Pod(string name, string resourceVersion) => new() { Metadata = new V1ObjectMeta { Name = name, ResourceVersion = resourceVersion } };

    private static HttpOperationException Refusal() => new("Operation returned an invalid status code 'Forbidden'")
    {
        Response = new HttpResponseMessageWrapper(
            new HttpResponseMessage(HttpStatusCode.Forbidden),
            """{"kind":"Status","status":"Failure","message":"pods is forbidden: User \"x\" cannot list resource \"pods\" in API group \"\" in the namespace \"ns\"","reason":"Forbidden","code":403}"""),
    };

#pragma warning disable CS1998 // async iterators that yield from a list
    private static async IAsyncEnumerable<(WatchEventType, V1Pod)> Events(params (WatchEventType, V1Pod)[] events)
    {
        foreach (var e in events)
        {
            yield return e;
        }
    }

    private static async IAsyncEnumerable<(WatchEventType, V1Pod)> Failing(Action<Exception> onError, Exception error)
    {
        onError(error);
        yield break;
    }
#pragma warning restore CS1998

    private async IAsyncEnumerable<(WatchEventType, V1Pod)> Hang([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Delay(Timeout.Infinite, CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token).Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        yield break;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        _services.Dispose();
    }
}
