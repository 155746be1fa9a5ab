using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Cluster;
using Microsoft.Extensions.Logging;
using k8s.Autorest;
using k8s.Models;
using k8s;

namespace Lanes.RolloutController.Traffic;

/// <summary>
/// Kruise's traffic routing manager: picks the providers for each reference as Kruise does (customNetworkRefs,
/// ingress by classType, default <c>nginx</c>, gateway.httpRouteName), keeps the canary and stable Services for a
/// Rollout's own routes, and waits <c>gracePeriodSeconds</c> (on <see cref="TimeProvider"/>) after every change
/// before the next one or before reporting the routes done. Every failure comes back as a result naming the
/// object and the field, never as "done".
/// </summary>
internal sealed partial class TrafficRoutingManager(
    IKubernetes client,
    IEnumerable<ITrafficRoutingProvider> providers,
    TimeProvider timeProvider,
    ILogger<TrafficRoutingManager> logger)
{
    private static readonly TimeSpan MinimumRecheck = TimeSpan.FromMilliseconds(200);
    private readonly ITrafficRoutingProvider[] _providers = providers.ToArray();
    private readonly CanaryServices _services = new(client);
    private readonly ConcurrentDictionary<string, Change> _changes = new(StringComparer.Ordinal);

    /// <summary>Names of the registered providers, for messages.</summary>
    public string ProviderNames => string.Join(", ", _providers.Select(static p => p.Name));

    /// <summary>Kruise's InitializeTrafficRouting: the Services and entry objects exist and can be routed. Changes nothing.</summary>
    public Task<TrafficRoutingResult> InitializeAsync(TrafficRoutingContext context, CancellationToken cancellationToken) =>
        GuardAsync(context, async () =>
        {
            for (var i = 0; i < context.Refs.Count; i++)
            {
                var (stable, entries, problem) = await ResolveAsync(context, i, cancellationToken).ConfigureAwait(false);
                if (problem is not null)
                {
                    return problem.Value;
                }

                foreach (var (entry, provider) in entries)
                {
                    var result = await provider.InitializeAsync(Request(context, entry, stable!.Metadata.Name, UsesCanaryService(context, entries)), cancellationToken).ConfigureAwait(false);
                    if (!result.IsDone)
                    {
                        return result;
                    }
                }
            }

            return TrafficRoutingResult.Done;
        });

    /// <summary>Kruise's DoTrafficRouting: one change toward the strategy per call; done only when nothing changed.</summary>
    public Task<TrafficRoutingResult> EnsureRoutesAsync(TrafficRoutingContext context, CancellationToken cancellationToken) =>
        GuardAsync(context, async () =>
        {
            if (context.Strategy.RoutesNothing)
            {
                return TrafficRoutingResult.Done;
            }

            if (Waiting(context) is { } waiting)
            {
                return waiting;
            }

            for (var i = 0; i < context.Refs.Count; i++)
            {
                var (stable, entries, problem) = await ResolveAsync(context, i, cancellationToken).ConfigureAwait(false);
                if (problem is not null)
                {
                    return problem.Value;
                }

                var usesCanaryService = UsesCanaryService(context, entries);
                if (usesCanaryService)
                {
                    var services = await _services.EnsureAsync(context, stable!, cancellationToken).ConfigureAwait(false);
                    if (!services.IsDone)
                    {
                        return Changed(context, services);
                    }
                }

                foreach (var (entry, provider) in entries)
                {
                    var result = await provider.EnsureRoutesAsync(Request(context, entry, stable!.Metadata.Name, usesCanaryService), cancellationToken).ConfigureAwait(false);
                    if (!result.IsDone)
                    {
                        return Changed(context, result);
                    }
                }
            }

            return TrafficRoutingResult.Done;
        });

    /// <summary>
    /// Kruise's FinalisingTrafficRouting: stable selector restored, routes back to stable, canary Service removed;
    /// <paramref name="routesOnly"/> (a rollback's first step) only takes the canary routes away.
    /// </summary>
    public Task<TrafficRoutingResult> FinaliseAsync(TrafficRoutingContext context, bool routesOnly, CancellationToken cancellationToken) =>
        GuardAsync(context, async () =>
        {
            if (Waiting(context) is { } waiting)
            {
                return waiting;
            }

            for (var i = 0; i < context.Refs.Count; i++)
            {
                var r = context.Refs[i];
                var entries = Entries(context, i).Select(e => (Entry: e, Provider: Array.Find(_providers, p => p.CanRoute(e))))
                    .Where(static p => p.Provider is not null).Select(static p => (p.Entry, p.Provider!)).ToList();
                var usesCanaryService = UsesCanaryService(context, entries);
                V1Service? stable = null;
                if (usesCanaryService && !routesOnly)
                {
                    stable = await ApiCalls.GetOrNullAsync(() => client.CoreV1.ReadNamespacedServiceAsync(r.Service, context.Namespace, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    var restored = await _services.RestoreStableAsync(context, stable, cancellationToken).ConfigureAwait(false);
                    if (!restored.IsDone)
                    {
                        return Changed(context, restored);
                    }
                }

                foreach (var (entry, provider) in entries)
                {
                    var result = await provider.FinaliseAsync(Request(context, entry, r.Service, usesCanaryService), cancellationToken).ConfigureAwait(false);
                    if (!result.IsDone)
                    {
                        return Changed(context, result);
                    }
                }

                if (usesCanaryService && !routesOnly)
                {
                    var removed = await _services.RemoveCanaryAsync(context, r.Service, cancellationToken).ConfigureAwait(false);
                    if (!removed.IsDone)
                    {
                        return Changed(context, removed);
                    }
                }
            }

            if (!routesOnly)
            {
                _changes.TryRemove(context.Owner.Uid, out _);
            }

            return TrafficRoutingResult.Done;
        });

    /// <summary>Before the first canary pod of a Rollout's own routes: narrow the stable Service to the stable pods.</summary>
    public Task<TrafficRoutingResult> PrepareAsync(TrafficRoutingContext context, CancellationToken cancellationToken) =>
        GuardAsync(context, async () =>
        {
            if (Waiting(context) is { } waiting)
            {
                return waiting;
            }

            for (var i = 0; i < context.Refs.Count; i++)
            {
                var (stable, entries, problem) = await ResolveAsync(context, i, cancellationToken).ConfigureAwait(false);
                if (problem is not null)
                {
                    return problem.Value;
                }

                if (UsesCanaryService(context, entries))
                {
                    var result = await _services.NarrowStableAsync(context, stable!, cancellationToken).ConfigureAwait(false);
                    if (!result.IsDone)
                    {
                        return Changed(context, result);
                    }
                }
            }

            return TrafficRoutingResult.Done;
        });

    /// <summary>The entry objects of reference <paramref name="index"/>, in Kruise's order: custom, ingress, gateway.</summary>
    internal static List<TrafficEntry> Entries(TrafficRoutingContext context, int index)
    {
        var r = context.Refs[index];
        var field = string.Create(CultureInfo.InvariantCulture, $"{context.RefsField}[{index}]");
        var entries = new List<TrafficEntry>();
        for (var j = 0; j < (r.CustomNetworkRefs?.Count ?? 0); j++)
        {
            var custom = r.CustomNetworkRefs![j];
            entries.Add(new TrafficEntry(TrafficEntryKind.Custom, custom.Name ?? "", null, custom.ApiVersion, custom.Kind, field,
                string.Create(CultureInfo.InvariantCulture, $"{field}.customNetworkRefs[{j}]")));
        }

        if (r.Ingress is { } ingress)
        {
            entries.Add(new TrafficEntry(TrafficEntryKind.Ingress, ingress.Name, string.IsNullOrEmpty(ingress.ClassType) ? "nginx" : ingress.ClassType, null, null, field, field + ".ingress"));
        }

        if (r.Gateway is { } gateway)
        {
            entries.Add(new TrafficEntry(TrafficEntryKind.HttpRoute, gateway.HttpRouteName ?? "", null, null, null, field, field + ".gateway"));
        }

        return entries;
    }

    private async Task<(V1Service? Stable, List<(TrafficEntry Entry, ITrafficRoutingProvider Provider)> Entries, TrafficRoutingResult? Problem)> ResolveAsync(
        TrafficRoutingContext context, int index, CancellationToken cancellationToken)
    {
        var entries = new List<(TrafficEntry, ITrafficRoutingProvider)>();
        foreach (var entry in Entries(context, index))
        {
            var provider = Array.Find(_providers, p => p.CanRoute(entry));
            if (provider is null)
            {
                var field = entry.Kind == TrafficEntryKind.Ingress ? entry.Field + ".classType" : entry.Field;
                return (null, entries, TrafficRoutingResult.Failed(TrafficRoutingReasons.ProviderNotFound,
                    $"No traffic provider handles {entry.Describe()} ({context.OwnerDescription}, {field}); this controller routes: {ProviderNames}. Nothing was changed"));
            }

            entries.Add((entry, provider));
        }

        var service = context.Refs[index].Service;
        var stable = await ApiCalls.GetOrNullAsync(() => client.CoreV1.ReadNamespacedServiceAsync(service, context.Namespace, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return stable is null
            ? (null, entries, TrafficRoutingResult.Failed(TrafficRoutingReasons.EntryNotFound,
                string.Create(CultureInfo.InvariantCulture, $"Service {context.Namespace}/{service} not found ({context.OwnerDescription}, {context.RefsField}[{index}].service)")))
            : (stable, entries, null);
    }

    private static bool UsesCanaryService(TrafficRoutingContext context, List<(TrafficEntry Entry, ITrafficRoutingProvider Provider)> entries) =>
        !context.OnlyTrafficRouting && !context.DisableGenerateCanaryService && entries.Exists(static e => e.Provider.UsesCanaryService);

    private static TrafficRoutingRequest Request(TrafficRoutingContext context, TrafficEntry entry, string stableService, bool usesCanaryService) =>
        new(context.Namespace, context.Owner, entry, stableService, usesCanaryService ? CanaryServices.NameFor(stableService) : stableService, context.Strategy, context.OnlyTrafficRouting);

    private TrafficRoutingResult? Waiting(TrafficRoutingContext context)
    {
        if (!_changes.TryGetValue(context.Owner.Uid, out var change))
        {
            return null;
        }

        var remaining = change.At + change.Grace - timeProvider.GetUtcNow();
        return remaining > TimeSpan.Zero ? TrafficRoutingResult.Pending(change.Message, remaining) : null;
    }

    private TrafficRoutingResult Changed(TrafficRoutingContext context, TrafficRoutingResult result)
    {
        if (result.IsFailed)
        {
            Log.RoutesFailed(logger, context.OwnerDescription, result.Reason!, result.Message!);
            return result;
        }

        var grace = context.GracePeriod;
        var message = string.Create(CultureInfo.InvariantCulture, $"{result.Message}; waiting the {(int)grace.TotalSeconds}s grace period");
        _changes[context.Owner.Uid] = new Change(timeProvider.GetUtcNow(), grace, message);
        Log.RoutesChanged(logger, context.OwnerDescription, result.Message!);
        return TrafficRoutingResult.Pending(message, grace < MinimumRecheck ? MinimumRecheck : grace);
    }

    private async Task<TrafficRoutingResult> GuardAsync(TrafficRoutingContext context, Func<Task<TrafficRoutingResult>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            var result = TrafficRoutingResult.Failed(TrafficRoutingReasons.Forbidden,
                $"The API server refused a change for {context.OwnerDescription}: {ApiCalls.Describe(e)}. Grant the controller's ClusterRole that permission (deploy/controller.yaml)");
            Log.RoutesFailed(logger, context.OwnerDescription, result.Reason!, result.Message!);
            return result;
        }
        catch (HttpOperationException e)
        {
            var result = TrafficRoutingResult.Failed(TrafficRoutingReasons.ProviderError,
                $"Routing traffic for {context.OwnerDescription} failed: {ApiCalls.Describe(e)}");
            Log.RoutesFailed(logger, context.OwnerDescription, result.Reason!, result.Message!);
            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException and not HttpRequestException)
        {
            // A provider's own bug must show in the status, not only in a log line.
            var result = TrafficRoutingResult.Failed(TrafficRoutingReasons.ProviderError,
                $"Routing traffic for {context.OwnerDescription} failed: {e.GetType().Name}: {e.Message}");
            Log.ProviderThrew(logger, context.OwnerDescription, e);
            return result;
        }
    }

    private sealed record Change(DateTimeOffset At, TimeSpan Grace, string Message);
}
