using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Lanes.Nacos.StandIn.Protocol;

namespace Lanes.Nacos.StandIn;

/// <summary>Payloads as Nacos's GrpcUtils writes and reads them: <c>metadata.type</c> names the class, the body is JSON.</summary>
internal static class Wire
{
    public static Payload Payload(string type, JsonObject body) => Payload(type, Encoding.UTF8.GetBytes(body.ToJsonString()));

    public static Payload Payload(string type, byte[] body) => new()
    {
        Metadata = new Metadata { Type = type },
        Body = new Any { Value = ByteString.CopyFrom(body) },
    };

    public static Payload Response(string type, JsonObject? fields = null)
    {
        var body = fields ?? [];
        body["resultCode"] = 200;
        body["errorCode"] = 0;
        body["success"] = true;
        return Payload(type, body);
    }

    /// <summary>What the server's RemoteRequestAuthFilter answers: the handler's response type, failed with an error code.</summary>
    public static Payload Error(string type, int errorCode, string message) => Payload(type, new JsonObject
    {
        ["resultCode"] = 500,
        ["errorCode"] = errorCode,
        ["message"] = message,
        ["success"] = false,
    });

    public static JsonObject? Body(Payload payload)
    {
        try
        {
            return payload.Body is { } body ? JsonNode.Parse(body.Value.Span) as JsonObject : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string? Text(JsonObject body, string name) => body[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : body[name]?.ToString();
}
