using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lanes.RolloutController.Webhooks;

/// <summary>The part of an <c>admission.k8s.io/v1</c> AdmissionReview request the webhooks read.</summary>
internal sealed record AdmissionRequest
{
    public required string Uid { get; init; }

    public required string Operation { get; init; }

    public string Group { get; init; } = "";

    public string Resource { get; init; } = "";

    public string SubResource { get; init; } = "";

    public string? Namespace { get; init; }

    public JsonObject? Object { get; init; }

    public JsonObject? OldObject { get; init; }

    /// <summary>
    /// Reads an AdmissionReview body; a body that is not one (bad JSON, another apiVersion or kind, no request or uid)
    /// gives <see langword="null"/> and the reason, for a 400.
    /// </summary>
    public static AdmissionRequest? Parse(ReadOnlySpan<byte> body, out string? error)
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

        if (review is null)
        {
            error = "the body is not a JSON object";
            return null;
        }

        if (Text(review["apiVersion"]) != "admission.k8s.io/v1" || Text(review["kind"]) != "AdmissionReview")
        {
            error = "expected apiVersion admission.k8s.io/v1 and kind AdmissionReview";
            return null;
        }

        if (review["request"] is not JsonObject request || Text(request["uid"]) is not { Length: > 0 } uid)
        {
            error = "the AdmissionReview has no request.uid";
            return null;
        }

        if (Text(request["operation"]) is not { Length: > 0 } operation)
        {
            error = "the AdmissionReview has no request.operation";
            return null;
        }

        if (request["object"] is not (null or JsonObject) || request["oldObject"] is not (null or JsonObject))
        {
            error = "request.object and request.oldObject must be objects";
            return null;
        }

        error = null;
        return new AdmissionRequest
        {
            Uid = uid,
            Operation = operation,
            Group = Text((request["resource"] as JsonObject)?["group"]) ?? "",
            Resource = Text((request["resource"] as JsonObject)?["resource"]) ?? "",
            SubResource = Text(request["subResource"]) ?? "",
            Namespace = Text(request["namespace"]),
            Object = request["object"] as JsonObject,
            OldObject = request["oldObject"] as JsonObject,
        };
    }

    /// <summary>The response review: allowed, with a JSONPatch if there is one.</summary>
    public JsonObject Allow(JsonArray? patch = null)
    {
        var response = new JsonObject { ["uid"] = Uid, ["allowed"] = true };
        if (patch is { Count: > 0 })
        {
            response["patchType"] = "JSONPatch";
            response["patch"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(patch.ToJsonString()));
        }

        return Review(response);
    }

    /// <summary>The response review refusing the request with a status code and message.</summary>
    public JsonObject Deny(int code, string message) => Review(new JsonObject
    {
        ["uid"] = Uid,
        ["allowed"] = false,
        ["status"] = new JsonObject { ["code"] = code, ["message"] = message },
    });

    private static JsonObject Review(JsonObject response) => new()
    {
        ["apiVersion"] = "admission.k8s.io/v1",
        ["kind"] = "AdmissionReview",
        ["response"] = response,
    };

    /// <summary>A string value, or null for anything else (absent, another type).</summary>
    internal static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
