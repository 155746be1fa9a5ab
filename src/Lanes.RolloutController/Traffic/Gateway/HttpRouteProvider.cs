using System.Net;
using System.Text.Json.Nodes;
using System.Text.Json;
using Lanes.RolloutController.Cluster;
using k8s.Autorest;
using k8s;

namespace Lanes.RolloutController.Traffic.Gateway;

/// <summary>
/// <c>gateway.httpRouteName</c>: a Gateway API HTTPRoute (<c>gateway.networking.k8s.io/v1</c>). Its rules before the
/// release are kept in an annotation; each step rewrites the rules from them (<see cref="HttpRouteRules"/>) and
/// finalising puts them back, so nothing of the release is left.
/// </summary>
internal sealed class HttpRouteProvider(IKubernetes client) : ITrafficRoutingProvider
{
    public const string Group = "gateway.networking.k8s.io";
    public const string Version = "v1";
    public const string Plural = "httproutes";

    /// <summary>JSON <c>{"owner":"&lt;uid&gt;","rules":[…]}</c>: the rules before the release and who changed them.</summary>
    public const string OriginalRulesAnnotation = "lanes.dev/original-rules";

    public string Name => "gateway-api";

    public bool UsesCanaryService => true;

    public bool CanRoute(TrafficEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Kind == TrafficEntryKind.HttpRoute;
    }

    public async ValueTask<TrafficRoutingResult> InitializeAsync(TrafficRoutingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var route = await ReadAsync(request, cancellationToken).ConfigureAwait(false);
        if (route is null)
        {
            return NotFound(request);
        }

        var (original, problem) = Original(route, request);
        return problem ?? (HttpRouteRules.RoutesTo(original!, request.StableService) ? TrafficRoutingResult.Done : NoStableRule(request));
    }

    public async ValueTask<TrafficRoutingResult> EnsureRoutesAsync(TrafficRoutingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var route = await ReadAsync(request, cancellationToken).ConfigureAwait(false);
        if (route is null)
        {
            return NotFound(request);
        }

        var (original, problem) = Original(route, request);
        if (original is null)
        {
            return problem!.Value;
        }

        if (!HttpRouteRules.RoutesTo(original, request.StableService))
        {
            return NoStableRule(request);
        }

        var desired = HttpRouteRules.Build(original, request.StableService, request.CanaryService, request.Strategy);
        var annotations = route["metadata"]?["annotations"] as JsonObject;
        if (annotations?[OriginalRulesAnnotation] is not null && JsonNode.DeepEquals(route["spec"]?["rules"], desired))
        {
            return TrafficRoutingResult.Done;
        }

        if (annotations is null)
        {
            annotations = [];
            route["metadata"]!["annotations"] = annotations;
        }

        annotations[OriginalRulesAnnotation] = new JsonObject { ["owner"] = request.Owner.Uid, ["rules"] = original.DeepClone() }.ToJsonString();
        ((JsonObject)route["spec"]!)["rules"] = desired;
        return await ReplaceAsync(route, request, $"routed canary traffic in HTTPRoute {request.Namespace}/{request.Entry.Name}", cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<TrafficRoutingResult> FinaliseAsync(TrafficRoutingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var route = await ReadAsync(request, cancellationToken).ConfigureAwait(false);
        if (route?["metadata"]?["annotations"] is not JsonObject annotations || annotations[OriginalRulesAnnotation] is null)
        {
            return TrafficRoutingResult.Done;
        }

        var (original, problem) = Original(route, request);
        if (original is null)
        {
            // Another owner's release, or an annotation we cannot read: not ours to restore.
            return problem?.Reason == TrafficRoutingReasons.EntryConflict ? TrafficRoutingResult.Done : problem!.Value;
        }

        annotations.Remove(OriginalRulesAnnotation);
        ((JsonObject)route["spec"]!)["rules"] = original;
        return await ReplaceAsync(route, request, $"restored the rules of HTTPRoute {request.Namespace}/{request.Entry.Name}", cancellationToken).ConfigureAwait(false);
    }

    private Task<JsonObject?> ReadAsync(TrafficRoutingRequest request, CancellationToken cancellationToken) =>
        ApiCalls.GetOrNullAsync(() => client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Group, Version, request.Namespace, Plural, request.Entry.Name, cancellationToken));

    // A replace carries the resourceVersion that was read: a concurrent edit makes it fail instead of being lost.
    private async Task<TrafficRoutingResult> ReplaceAsync(JsonObject route, TrafficRoutingRequest request, string message, CancellationToken cancellationToken)
    {
        try
        {
            await client.CustomObjects.ReplaceNamespacedCustomObjectAsync(route, Group, Version, request.Namespace, Plural, request.Entry.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
            return TrafficRoutingResult.Pending(message);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return TrafficRoutingResult.Pending($"HTTPRoute {request.Namespace}/{request.Entry.Name} changed while it was updated; trying again");
        }
    }

    private static (JsonArray? Rules, TrafficRoutingResult? Problem) Original(JsonObject route, TrafficRoutingRequest request)
    {
        var stored = route["metadata"]?["annotations"]?[OriginalRulesAnnotation]?.GetValue<string>();
        if (stored is null)
        {
            return (route["spec"]?["rules"] as JsonArray ?? [], null);
        }

        try
        {
            var node = JsonNode.Parse(stored) as JsonObject;
            if (node?["owner"]?.GetValue<string>() is { } owner && owner != request.Owner.Uid)
            {
                return (null, TrafficRoutingResult.Failed(TrafficRoutingReasons.EntryConflict,
                    $"HTTPRoute {request.Namespace}/{request.Entry.Name} is being routed by another release (owner uid {owner}, annotation {OriginalRulesAnnotation}); {request.OwnerDescription} waits for it to finish"));
            }

            if (node?["rules"] is JsonArray rules)
            {
                return ((JsonArray)rules.DeepClone(), null);
            }
        }
        catch (JsonException)
        {
        }

        return (null, TrafficRoutingResult.Failed(TrafficRoutingReasons.InvalidEntry,
            $"HTTPRoute {request.Namespace}/{request.Entry.Name} has an unreadable annotation {OriginalRulesAnnotation}; restore spec.rules by hand and remove it"));
    }

    private static TrafficRoutingResult NotFound(TrafficRoutingRequest request) =>
        TrafficRoutingResult.Failed(TrafficRoutingReasons.EntryNotFound,
            $"HTTPRoute {request.Namespace}/{request.Entry.Name} not found ({request.OwnerDescription}, {request.Entry.Field}.httpRouteName); is the Gateway API (gateway.networking.k8s.io/v1) installed?");

    private static TrafficRoutingResult NoStableRule(TrafficRoutingRequest request) =>
        TrafficRoutingResult.Failed(TrafficRoutingReasons.InvalidEntry,
            $"HTTPRoute {request.Namespace}/{request.Entry.Name} has no rule with a backendRef to Service {request.StableService} (spec.rules[].backendRefs[].name), which {request.OwnerDescription} names in {request.Entry.ServiceField}; nothing was changed");
}
