using System.Net;

namespace Lanes.Kubernetes.Emulator;

/// <summary>An API error that becomes a Kubernetes <c>Status</c> response.</summary>
public sealed class ApiException(HttpStatusCode code, string reason, string message) : Exception(message)
{
    public HttpStatusCode Code { get; } = code;

    public string Reason { get; } = reason;

    public static ApiException NotFound(StoredObjectKey key) =>
        new(HttpStatusCode.NotFound, "NotFound", $"{key.Type.Plural} \"{key.Name}\" not found");

    public static ApiException Conflict(StoredObjectKey key, string detail) =>
        new(HttpStatusCode.Conflict, "Conflict", $"Operation cannot be fulfilled on {key.Type.Plural} \"{key.Name}\": {detail}");

    public static ApiException AlreadyExists(StoredObjectKey key) =>
        new(HttpStatusCode.Conflict, "AlreadyExists", $"{key.Type.Plural} \"{key.Name}\" already exists");

    public static ApiException Gone(string message) => new(HttpStatusCode.Gone, "Expired", message);

    public static ApiException BadRequest(string message) => new(HttpStatusCode.BadRequest, "BadRequest", message);
}
