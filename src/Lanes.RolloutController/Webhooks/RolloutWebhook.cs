using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Cluster;
using k8s;
using k8s.Autorest;

namespace Lanes.RolloutController.Webhooks;

/// <summary>The validating webhook on Rollout CREATE and UPDATE, with Kruise's rules (<see cref="RolloutAdmission"/>).</summary>
internal sealed class RolloutWebhook(IKubernetes client)
{
    public const string Path = "/validate-rollouts-kruise-io-rollout";

    public async Task<JsonObject> HandleAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        if (request.Operation is not ("CREATE" or "UPDATE") || request.SubResource.Length > 0 || request.Object is not { } obj)
        {
            return request.Allow();
        }

        Rollout rollout;
        Rollout? old = null;
        try
        {
            rollout = RolloutConversion.Read(obj);
            if (request.Operation == "UPDATE" && request.OldObject is { } previous)
            {
                old = RolloutConversion.Read(previous);
            }
        }
        catch (JsonException e)
        {
            return request.Deny(400, e.Message);
        }

        // An update that leaves the spec as it was (finalizers, annotations, the controller's own metadata) cannot
        // break a rule that the spec met when it was stored.
        if (request.OldObject is { } before && JsonNode.DeepEquals(before["spec"], obj["spec"]))
        {
            return request.Allow();
        }

        var ns = request.Namespace ?? rollout.Metadata.NamespaceProperty ?? "default";
        rollout.Metadata.NamespaceProperty ??= ns;
        try
        {
            var list = await client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(KruiseNames.Group, KruiseNames.V1Beta1, ns, KruiseNames.RolloutPlural, cancellationToken: cancellationToken).ConfigureAwait(false);
            var others = new List<Rollout>();
            string? latestPhase = null;
            foreach (var item in (list?["items"] as JsonArray ?? []).OfType<JsonObject>())
            {
                try
                {
                    var other = RolloutConversion.Read(item);
                    other.Metadata.NamespaceProperty ??= ns;
                    if (other.Metadata.Name == rollout.Metadata.Name)
                    {
                        latestPhase = other.Status?.Phase;
                    }
                    else
                    {
                        others.Add(other);
                    }
                }
                catch (JsonException)
                {
                    // Someone else's unreadable object conflicts with nothing.
                }
            }

            var refusal = RolloutAdmission.Validate(rollout, old, latestPhase, others);
            return refusal is null ? request.Allow() : request.Deny(422, refusal);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode != HttpStatusCode.NotFound)
        {
            return request.Deny(500, "Rollout: Internal error: " + ApiCalls.Describe(e));
        }
    }
}
