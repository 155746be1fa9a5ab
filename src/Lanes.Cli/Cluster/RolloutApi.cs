using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Lanes.Cli.Cluster;

/// <summary>
/// The API calls the verbs make, on Rollouts as JSON (so fields a newer controller adds, such as analysis results, pass
/// through untouched), with every failure turned into a one-line <see cref="CliException"/>.
/// </summary>
internal sealed class RolloutApi(ClusterConnection connection)
{
    private IKubernetes Client => connection.Client;

    public string Namespace => connection.Namespace;

    public Task<JsonObject> GetRolloutAsync(string name, CancellationToken cancellationToken) =>
        CallAsync($"get rollout {name}", async () => ToObject(await Client.CustomObjects.GetNamespacedCustomObjectAsync(
            KruiseApi.Group, KruiseApi.Version, Namespace, KruiseApi.RolloutPlural, name, cancellationToken).ConfigureAwait(false)), name);

    public Task<JsonObject> ListRolloutsAsync(CancellationToken cancellationToken) =>
        CallAsync("list rollouts", async () => ToObject(await Client.CustomObjects.ListNamespacedCustomObjectAsync(
            KruiseApi.Group, KruiseApi.Version, Namespace, KruiseApi.RolloutPlural, cancellationToken: cancellationToken).ConfigureAwait(false)), null);

    public Task<JsonObject?> TryGetTrafficRoutingAsync(string name, CancellationToken cancellationToken) =>
        TryAsync(async () => ToObject(await Client.CustomObjects.GetNamespacedCustomObjectAsync(
            KruiseApi.Group, KruiseApi.AlphaVersion, Namespace, KruiseApi.TrafficRoutingPlural, name, cancellationToken).ConfigureAwait(false)), "get trafficrouting " + name);

    /// <summary>
    /// Replaces the status subresource with <paramref name="rollout"/> as read and changed: the API server applies it only
    /// if the object's resourceVersion is still the one read (else 409, returned as <see langword="false"/>).
    /// </summary>
    public async Task<bool> TryReplaceStatusAsync(JsonObject rollout, CancellationToken cancellationToken)
    {
        var name = rollout["metadata"]?["name"]?.GetValue<string>() ?? "";
        try
        {
            await Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(rollout, KruiseApi.Group, KruiseApi.Version, Namespace, KruiseApi.RolloutPlural, name, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }
        catch (Exception e) when (IsApiFailure(e))
        {
            throw Describe(e, "update rollout status " + name, name);
        }
    }

    /// <summary>Replaces the Rollout (spec and metadata) if unchanged since read; <see langword="false"/> on 409.</summary>
    public async Task<bool> TryReplaceAsync(JsonObject rollout, CancellationToken cancellationToken)
    {
        var name = rollout["metadata"]?["name"]?.GetValue<string>() ?? "";
        try
        {
            await Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(rollout, KruiseApi.Group, KruiseApi.Version, Namespace, KruiseApi.RolloutPlural, name, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }
        catch (Exception e) when (IsApiFailure(e))
        {
            throw Describe(e, "update rollout " + name, name);
        }
    }

    public Task<V1Deployment?> TryGetDeploymentAsync(string name, CancellationToken cancellationToken) =>
        TryAsync(() => Client.AppsV1.ReadNamespacedDeploymentAsync(name, Namespace, cancellationToken: cancellationToken), "get deployment " + name);

    public Task<V1Deployment> GetDeploymentAsync(string name, CancellationToken cancellationToken) =>
        CallAsync("get deployment " + name, () => Client.AppsV1.ReadNamespacedDeploymentAsync(name, Namespace, cancellationToken: cancellationToken), null, "deployments.apps \"" + name + "\"");

    public Task<V1ReplicaSetList> ListReplicaSetsAsync(string selector, CancellationToken cancellationToken) =>
        CallAsync("list replicasets", () => Client.AppsV1.ListNamespacedReplicaSetAsync(Namespace, labelSelector: selector, cancellationToken: cancellationToken), null);

    /// <summary>Replaces the Deployment if unchanged since read; <see langword="false"/> on 409.</summary>
    public async Task<bool> TryReplaceDeploymentAsync(V1Deployment deployment, CancellationToken cancellationToken)
    {
        try
        {
            await Client.AppsV1.ReplaceNamespacedDeploymentAsync(deployment, deployment.Metadata.Name, Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }
        catch (Exception e) when (IsApiFailure(e))
        {
            throw Describe(e, "update deployment " + deployment.Metadata.Name, null);
        }
    }

    /// <summary>A Secret's data (key to bytes); a missing Secret is a one-line NotFound error.</summary>
    public async Task<IDictionary<string, byte[]>> GetSecretDataAsync(string name, CancellationToken cancellationToken)
    {
        var secret = await CallAsync("get secret " + name, () => Client.CoreV1.ReadNamespacedSecretAsync(name, Namespace, cancellationToken: cancellationToken), null, "secrets \"" + name + "\"").ConfigureAwait(false);
        return secret.Data ?? new Dictionary<string, byte[]>();
    }

    public Task<Corev1EventList> ListEventsAsync(CancellationToken cancellationToken) =>
        CallAsync("list events", () => Client.CoreV1.ListNamespacedEventAsync(Namespace, cancellationToken: cancellationToken), null);

    private static JsonObject ToObject(object? response) => response switch
    {
        JsonElement element => JsonNode.Parse(element.GetRawText()) as JsonObject ?? [],
        JsonObject obj => obj,
        null => [],
        _ => JsonSerializer.SerializeToNode(response) as JsonObject ?? [],
    };

    private async Task<T> CallAsync<T>(string what, Func<Task<T>> call, string? rollout, string? notFoundName = null)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (IsApiFailure(e))
        {
            throw Describe(e, what, rollout, notFoundName);
        }
    }

    private async Task<T?> TryAsync<T>(Func<Task<T>> call, string what)
        where T : class
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception e) when (IsApiFailure(e))
        {
            throw Describe(e, what, null);
        }
    }

    private static bool IsApiFailure(Exception e) =>
        e is HttpOperationException or HttpRequestException or SocketException or IOException || e is TaskCanceledException { InnerException: TimeoutException };

    // kubectl's wording where there is one: `Error from server (NotFound): rollouts.rollouts.kruise.io "x" not found`.
    private CliException Describe(Exception e, string what, string? rollout, string? notFoundName = null)
    {
        if (e is HttpOperationException http)
        {
            var status = http.Response.StatusCode;
            var reason = ServerReason(http.Response.Content) ?? status.ToString();
            var message = ServerMessage(http.Response.Content);
            if (status == HttpStatusCode.NotFound && (rollout is not null || notFoundName is not null))
            {
                var subject = notFoundName ?? $"rollouts.rollouts.kruise.io \"{rollout}\"";
                return new CliException($"Error from server (NotFound): {subject} not found in namespace \"{Namespace}\"", inner: e);
            }

            return new CliException($"Error from server ({reason}): cannot {what} in namespace \"{Namespace}\": {ClusterConnection.OneLine(message ?? http.Message)}", inner: e);
        }

        var cause = e.InnerException is { } inner ? inner.Message : e.Message;
        return new CliException($"error: cannot reach the cluster at {connection.Server} to {what}: {ClusterConnection.OneLine(cause)}", inner: e);
    }

    private static string? ServerReason(string? content) => StatusField(content, "reason");

    private static string? ServerMessage(string? content) => StatusField(content, "message");

    private static string? StatusField(string? content, string field)
    {
        if (string.IsNullOrEmpty(content))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(content)?[field] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
