using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// Converts objects between the versions of a resource as the API server does
/// (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definition-versioning/):
/// with <c>strategy: None</c> (and for built-in types here) only <c>apiVersion</c> changes; with <c>strategy: Webhook</c>
/// the objects not yet in the desired version go in one <c>ConversionReview</c> ("Webhook request and response") to the
/// CRD's <c>clientConfig</c>, over HTTPS trusting its <c>caBundle</c>. The answer is checked as the API server checks
/// it (review kind, <c>uid</c>, <c>result.status</c>, one object per object sent in order, the desired
/// <c>apiVersion</c>, same kind, name, namespace and uid); of <c>metadata</c> only labels and annotations are taken
/// from the webhook, the rest is restored, and the converted object is pruned by the desired version's schema.
/// Any failure is the API server's 500 naming the conversion webhook.
/// </summary>
internal sealed class CustomResourceConversion(ResourceStore store)
{
    // The API server's fixed timeout for conversion webhooks (it sends ?timeout=30s).
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public async Task<JsonObject> ConvertAsync(ResourceDefinition definition, JsonObject obj, string version, CancellationToken cancellationToken) =>
        (await ConvertAsync(definition, [obj], version, cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Returns <paramref name="objects"/> in <paramref name="version"/>, in order; throws the API server's 500 when the webhook fails.</summary>
    public async Task<List<JsonObject>> ConvertAsync(ResourceDefinition definition, IReadOnlyList<JsonObject> objects, string version, CancellationToken cancellationToken)
    {
        var desired = definition.GroupVersion(version);
        var result = new List<JsonObject>(objects.Count);
        var pending = new List<int>();
        foreach (var obj in objects)
        {
            var apiVersion = obj["apiVersion"]?.GetValue<string>();
            if (definition.ConversionWebhook is not null && !string.IsNullOrEmpty(apiVersion) && apiVersion != desired)
            {
                pending.Add(result.Count);
            }
            else
            {
                obj["apiVersion"] = desired;
            }

            result.Add(obj);
        }

        if (pending.Count == 0)
        {
            return result;
        }

        // The API server names the conversion by the kind and version of what it converts.
        var from = result[pending[0]]["apiVersion"]!.GetValue<string>() + ", Kind=" + definition.Kind;
        List<JsonObject> converted;
        try
        {
            converted = await CallAsync(definition.ConversionWebhook!, [.. pending.Select(i => result[i])], desired, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            throw new ApiException(HttpStatusCode.InternalServerError, "InternalError", $"Internal error occurred: conversion webhook for {from} failed: {e.Message}");
        }

        if (converted.Count != pending.Count)
        {
            throw Invalid(from, $"returned {converted.Count} objects, expected {pending.Count}");
        }

        var schema = definition.Served(version)?.Schema;
        for (var n = 0; n < pending.Count; n++)
        {
            var original = result[pending[n]];
            var output = converted[n];
            var at = $"invalid converted object at index {n}";
            if (output["apiVersion"]?.GetValue<string>() != desired)
            {
                throw Invalid(from, $"{at}: invalid groupVersion (expected {desired}, received {output["apiVersion"]?.GetValue<string>()})");
            }

            if (output["kind"]?.GetValue<string>() != original["kind"]?.GetValue<string>())
            {
                throw Invalid(from, $"{at}: invalid kind (expected {original["kind"]}, received {output["kind"]})");
            }

            foreach (var field in new[] { "name", "namespace", "uid" })
            {
                var before = original["metadata"]?[field]?.GetValue<string>() ?? "";
                var after = output["metadata"]?[field]?.GetValue<string>() ?? "";
                if (before != after)
                {
                    throw Invalid(from, $"{at}: must have the same {(field == "uid" ? "UID" : field)}: {before} != {after}");
                }
            }

            // Only labels and annotations may change in metadata; everything else is the original's.
            var metadata = (JsonObject)(original["metadata"]?.DeepClone() ?? new JsonObject());
            foreach (var field in new[] { "labels", "annotations" })
            {
                if (output["metadata"]?[field] is JsonObject changed)
                {
                    if (changed.Any(static p => p.Value is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
                    {
                        throw Invalid(from, $"invalid metadata in object at index {n}: metadata.{field} must hold strings");
                    }

                    metadata[field] = changed.DeepClone();
                }
                else
                {
                    metadata.Remove(field);
                }
            }

            output["metadata"] = metadata;
            if (schema is not null)
            {
                StructuralSchema.PruneAndDefault(output, schema);
            }

            result[pending[n]] = output;
        }

        return result;
    }

    private static ApiException Invalid(string from, string detail) =>
        new(HttpStatusCode.InternalServerError, "InternalError", $"Internal error occurred: conversion webhook for {from} {detail}");

    private async Task<List<JsonObject>> CallAsync(JsonObject webhook, List<JsonObject> objects, string desired, CancellationToken cancellationToken)
    {
        // The first review version of conversionReviewVersions the API server speaks; only v1 checks kind and uid.
        var reviewVersion = (webhook["conversionReviewVersions"] as JsonArray ?? []).Select(static v => v?.GetValue<string>()).FirstOrDefault(static v => v is "v1" or "v1beta1")
            ?? throw new InvalidOperationException("no supported conversion review versions");
        var reviewApiVersion = "apiextensions.k8s.io/" + reviewVersion;
        var uid = Guid.NewGuid().ToString();
        var review = new JsonObject
        {
            ["apiVersion"] = reviewApiVersion,
            ["kind"] = "ConversionReview",
            ["request"] = new JsonObject
            {
                ["uid"] = uid,
                ["desiredAPIVersion"] = desired,
                ["objects"] = new JsonArray([.. objects.Select(static o => (JsonNode)o.DeepClone())]),
            },
        };
        var clientConfig = webhook["clientConfig"] as JsonObject ?? throw new InvalidOperationException("the webhook has no clientConfig");
        var answer = await WebhookClient.PostAsync(clientConfig, "timeout=30s", review, Timeout, store, cancellationToken).ConfigureAwait(false);
        if (reviewVersion == "v1" && (answer["apiVersion"]?.GetValue<string>() != reviewApiVersion || answer["kind"]?.GetValue<string>() != "ConversionReview"))
        {
            throw new InvalidOperationException($"expected webhook response of {reviewApiVersion}, Kind=ConversionReview, got {answer["apiVersion"]}, Kind={answer["kind"]}");
        }

        var response = answer["response"] as JsonObject ?? throw new InvalidOperationException("no response provided");
        if (reviewVersion == "v1" && response["uid"]?.GetValue<string>() != uid)
        {
            throw new InvalidOperationException($"expected response.uid=\"{uid}\", got \"{response["uid"]}\"");
        }

        var status = response["result"]?["status"]?.GetValue<string>();
        if (status != "Success")
        {
            throw new InvalidOperationException(response["result"]?["message"]?.GetValue<string>() is { Length: > 0 } message
                ? message
                : $"response.result.status was '{status}', not 'Success'");
        }

        var convertedObjects = response["convertedObjects"] as JsonArray ?? [];
        return [.. convertedObjects.Select(static o => o?.DeepClone() as JsonObject ?? throw new InvalidOperationException("a converted object is not a JSON object"))];
    }
}
