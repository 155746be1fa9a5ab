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

    /// <summary>422, as the API server answers a write that fails validation.</summary>
    public static ApiException Invalid(string kind, string name, string detail) =>
        new(HttpStatusCode.UnprocessableEntity, "Invalid", $"{kind} \"{name}\" is invalid: {detail}");

    /// <summary>403, as RBAC answers a service account that lacks the verb.</summary>
    public static ApiException Forbidden(string verb, StoredObjectKey key, string user = "system:serviceaccount:lanes-system:lanes-rollout-controller")
    {
        var resource = key.Type.Group.Length == 0 ? key.Type.Plural : key.Type.Plural + "." + key.Type.Group;
        return new(HttpStatusCode.Forbidden, "Forbidden",
            $"{resource} \"{key.Name}\" is forbidden: User \"{user}\" cannot {verb} resource \"{key.Type.Plural}\" in API group \"{key.Type.Group}\" in the namespace \"{key.Namespace}\"");
    }
}
