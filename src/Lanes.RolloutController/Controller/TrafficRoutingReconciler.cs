using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Hosting;
using Lanes.RolloutController.Traffic;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.RolloutController.Controller;

/// <summary>Reconciles a shared TrafficRouting: finalizer, phase, and the routes its providers own.</summary>
internal sealed partial class TrafficRoutingReconciler(
    IKubernetes client,
    IEnumerable<ITrafficRoutingProvider> providers,
    IOptions<RolloutControllerOptions> options,
    ILogger<TrafficRoutingReconciler> logger)
{
    private readonly ITrafficRoutingProvider[] _providers = providers.ToArray();

    public async Task<TimeSpan?> ReconcileAsync(string ns, string name, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < options.Value.ConflictRetries; attempt++)
        {
            JsonObject document;
            try
            {
                document = await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(KruiseNames.Group, KruiseNames.V1Alpha1, ns, KruiseNames.TrafficRoutingPlural, name, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            TrafficRouting trafficRouting;
            try
            {
                trafficRouting = ApiJson.Read<TrafficRouting>(document) ?? new TrafficRouting();
            }
            catch (JsonException e)
            {
                Log.Unreadable(logger, ns, name, e.Message);
                return null;
            }

            var decision = TrafficRoutingDecider.Decide(trafficRouting);
            try
            {
                if (decision.AddFinalizer || decision.RemoveFinalizer)
                {
                    await PatchFinalizerAsync(trafficRouting.Metadata, ns, decision.AddFinalizer, cancellationToken).ConfigureAwait(false);
                    if (decision.RemoveFinalizer)
                    {
                        await RouteAsync(trafficRouting, ns, restore: true, cancellationToken).ConfigureAwait(false);
                        return null;
                    }

                    // The finalizer patch moved the resourceVersion; decide again on the new copy.
                    continue;
                }

                var done = true;
                if (decision.EnsureRoutes || decision.RestoreRoutes)
                {
                    done = await RouteAsync(trafficRouting, ns, restore: decision.RestoreRoutes, cancellationToken).ConfigureAwait(false);
                }

                if (!done)
                {
                    return options.Value.RetryDelay;
                }

                if (decision.StatusChanged)
                {
                    var body = (JsonObject)document.DeepClone();
                    body["status"] = ApiJson.Write(decision.Status);
                    await client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(body, KruiseNames.Group, KruiseNames.V1Alpha1, ns, KruiseNames.TrafficRoutingPlural, name, cancellationToken: cancellationToken).ConfigureAwait(false);
                    Log.PhaseChanged(logger, ns, name, decision.Status.Phase);
                }

                return null;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                LanesTelemetry.StatusConflicts.Add(1);
            }
        }

        return options.Value.RetryDelay;
    }

    private Task PatchFinalizerAsync(V1ObjectMeta metadata, string ns, bool add, CancellationToken cancellationToken)
    {
        var finalizers = (metadata.Finalizers ?? []).Where(static f => f != KruiseNames.TrafficRoutingFinalizer).ToList();
        if (add)
        {
            finalizers.Add(KruiseNames.TrafficRoutingFinalizer);
        }

        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["resourceVersion"] = metadata.ResourceVersion,
                ["finalizers"] = new JsonArray(finalizers.Select(static f => (JsonNode)JsonValue.Create(f)).ToArray()),
            },
        };
        return client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), KruiseNames.Group, KruiseNames.V1Alpha1, ns, KruiseNames.TrafficRoutingPlural, metadata.Name,
            cancellationToken: cancellationToken);
    }

    private async Task<bool> RouteAsync(TrafficRouting trafficRouting, string ns, bool restore, CancellationToken cancellationToken)
    {
        var done = true;
        var strategy = trafficRouting.Spec.Strategy;
        var matches = strategy.Matches?.Select(static m => new HttpRouteMatch { Headers = m.Headers }).ToList() ?? [];
        foreach (var target in trafficRouting.Spec.ObjectRef)
        {
            var provider = Array.Find(_providers, p => p.CanRoute(target));
            if (provider is null)
            {
                Log.NoTrafficProvider(logger, ns, trafficRouting.Metadata.Name, target.Service);
                continue;
            }

            var traffic = strategy.Weight is { } weight ? weight.ToString(System.Globalization.CultureInfo.InvariantCulture) + "%" : null;
            var request = new TrafficRoutingRequest(ns, trafficRouting.Metadata.Name, target, traffic, matches, strategy.RequestHeaderModifier, OnlyTrafficRouting: true);
            done &= restore
                ? await provider.FinaliseAsync(request, cancellationToken).ConfigureAwait(false)
                : await provider.EnsureRoutesAsync(request, cancellationToken).ConfigureAwait(false);
        }

        return done;
    }
}
