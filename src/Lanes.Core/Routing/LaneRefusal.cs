using System.Text.Encodings.Web;
using System.Text.Json;

namespace Lanes.Routing;

/// <summary>The RFC 9457 problem body of a 503 answered because no instance may take a request.</summary>
internal sealed record LaneRefusal(string Title, int Status, string Detail, string Service, string Lane)
{
    public const string ContentType = "application/problem+json";

    /// <summary>
    /// Marks a refusal answered by a Lanes edge for a hop further down, naming the service that had no instance, so
    /// the caller's passive health does not hold it against the instance that relayed it.
    /// </summary>
    public const string HeaderName = "lanes-refusal";

    public static LaneRefusal From(LaneRoutingException refusal) =>
        new("No instance may take this request.", 503, refusal.Message, refusal.ServiceName, refusal.Lane.ToString());

    // Problem JSON is not embedded in HTML: keep quotes in names readable instead of \u0027.
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerOptions.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, s_json);

    /// <summary>Whether <paramref name="request"/> is a gRPC call, which reports a refusal as a status, not an exception.</summary>
    public static bool IsGrpc(HttpRequestMessage request) =>
        request.Content?.Headers.ContentType?.MediaType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The refusal as gRPC's trailers-only answer: status UNAVAILABLE (what HTTP 503 maps to) with the refusal's message,
    /// so a gRPC client sees <c>StatusCode.Unavailable</c> naming service and lane, as it would from a proxy.
    /// </summary>
    public static HttpResponseMessage ToGrpcResponse(LaneRoutingException refusal, HttpRequestMessage request)
    {
        var response = new HttpResponseMessage(System.Net.HttpStatusCode.OK)
        {
            RequestMessage = request,
            Version = request.Version,
            Content = new ByteArrayContent([]),
        };
        response.Content.Headers.TryAddWithoutValidation("Content-Type", "application/grpc");
        response.Headers.TryAddWithoutValidation("grpc-status", "14");
        response.Headers.TryAddWithoutValidation("grpc-message", Uri.EscapeDataString(refusal.Message));
        response.Headers.TryAddWithoutValidation(HeaderName, refusal.ServiceName);
        return response;
    }
}
