using System.Text.Json;
using System.Text.Json.Nodes;
using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Webhooks;

/// <summary>
/// The CRD conversion webhook for Rollout v1alpha1 ⇄ v1beta1 (<c>apiextensions.k8s.io/v1</c> ConversionReview) with
/// Kruise's rules (<see cref="RolloutConversion"/>): the API server stores v1beta1 and converts for readers of either.
/// Metadata travels untouched except the annotations the conversion moves (rolling-style, trafficrouting).
/// </summary>
internal static class ConversionWebhook
{
    public const string Path = "/convert";

    private const string Alpha = KruiseNames.Group + "/" + KruiseNames.V1Alpha1;
    private const string Beta = KruiseNames.Group + "/" + KruiseNames.V1Beta1;

    /// <summary>The response review, or null with the reason when the body is not a ConversionReview (a 400).</summary>
    public static JsonObject? Handle(ReadOnlySpan<byte> body, out string? error)
    {
        JsonObject? review;
        try
        {
            review = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException e)
        {
            error = "the body is not JSON: " + e.Message;
            return null;
        }

        if (review is null || AdmissionRequest.Text(review["apiVersion"]) != "apiextensions.k8s.io/v1" || AdmissionRequest.Text(review["kind"]) != "ConversionReview")
        {
            error = "expected apiVersion apiextensions.k8s.io/v1 and kind ConversionReview";
            return null;
        }

        if (review["request"] is not JsonObject request || request["uid"] is not JsonValue uidValue || !uidValue.TryGetValue<string>(out var uid) ||
            request["desiredAPIVersion"] is not JsonValue desiredValue || !desiredValue.TryGetValue<string>(out var desired) || request["objects"] is not JsonArray objects)
        {
            error = "the ConversionReview needs request.uid, request.desiredAPIVersion and request.objects";
            return null;
        }

        error = null;
        var response = new JsonObject { ["uid"] = uid };
        var converted = new JsonArray();
        try
        {
            foreach (var item in objects)
            {
                converted.Add(Convert(item as JsonObject ?? throw new JsonException("an object in request.objects is not a JSON object"), desired));
            }

            response["convertedObjects"] = converted;
            response["result"] = new JsonObject { ["status"] = "Success" };
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            // The API server reports this to the client; the webhook itself carries on.
            response["convertedObjects"] = new JsonArray();
            response["result"] = new JsonObject { ["status"] = "Failure", ["message"] = e.Message };
        }

        return new JsonObject { ["apiVersion"] = "apiextensions.k8s.io/v1", ["kind"] = "ConversionReview", ["response"] = response };
    }

    public static JsonObject Convert(JsonObject source, string desiredApiVersion)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (desiredApiVersion is not (Alpha or Beta))
        {
            throw new NotSupportedException($"cannot convert a Rollout to {desiredApiVersion}: the versions are {Alpha} and {Beta}");
        }

        var from = AdmissionRequest.Text(source["apiVersion"]) ?? "";
        if (source["kind"] is { } kindNode && AdmissionRequest.Text(kindNode) is not "Rollout")
        {
            throw new NotSupportedException($"cannot convert kind {kindNode.ToJsonString()}: this webhook converts Rollouts");
        }

        if (from == desiredApiVersion)
        {
            return (JsonObject)source.DeepClone();
        }

        JsonObject result;
        if (from == Alpha && desiredApiVersion == Beta)
        {
            result = (JsonObject)ApiJson.Write(RolloutConversion.ToV1Beta1(RolloutConversion.ReadV1Alpha1(source)))!;
        }
        else if (from == Beta && desiredApiVersion == Alpha)
        {
            result = (JsonObject)ApiJson.Write(RolloutConversion.ToV1Alpha1(RolloutConversion.ReadV1Beta1(source)))!;
        }
        else
        {
            throw new NotSupportedException($"cannot convert Rollout from {from} to {desiredApiVersion}");
        }

        // Everything in metadata survives (managedFields, ownerReferences, ...); only annotations may have moved.
        var metadata = (JsonObject)(source["metadata"]?.DeepClone() ?? new JsonObject());
        if (result["metadata"]?["annotations"] is JsonObject annotations)
        {
            metadata["annotations"] = annotations.DeepClone();
        }

        result["metadata"] = metadata;
        result["apiVersion"] = desiredApiVersion;
        result["kind"] = "Rollout";
        return result;
    }
}
