using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Lanes.Kubernetes.Emulator;

/// <summary>Maps Kubernetes REST paths onto the <see cref="ResourceStore"/>.</summary>
internal sealed class ApiRequestHandler(ResourceStore store, EmulatorOptions options)
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private static readonly ResourceType SelfSubjectAccessReviews = new("authorization.k8s.io", "selfsubjectaccessreviews");

    private readonly RbacAuthorizer _rbac = new(store);
    private volatile bool _unavailable;
    private CancellationTokenSource _outage = new();

    /// <summary>
    /// While true, every connection is cut (open watches too) as if the API server were down or unreachable;
    /// clients see connection resets.
    /// </summary>
    public bool Unavailable
    {
        get => _unavailable;
        set
        {
            _unavailable = value;
            if (value)
            {
                var outage = Interlocked.Exchange(ref _outage, new CancellationTokenSource());
                outage.Cancel();
                outage.Dispose();
            }
        }
    }

    public async Task HandleAsync(HttpContext context)
    {
        if (_unavailable)
        {
            context.Abort();
            return;
        }

        try
        {
            if (!TryParse(context.Request.Path.Value ?? "/", out var route))
            {
                throw new ApiException(HttpStatusCode.NotFound, "NotFound", $"no route for {context.Request.Path}");
            }

            if (route.Type == SelfSubjectAccessReviews && HttpMethods.IsPost(context.Request.Method))
            {
                await ReviewAccessAsync(context).ConfigureAwait(false);
                return;
            }

            Authorize(context, route);

            if (options.Faults?.Invoke(Describe(context.Request, route)) is { } fault)
            {
                if (fault.Delay is { } delay)
                {
                    await Task.Delay(delay, context.RequestAborted).ConfigureAwait(false);
                }

                if (fault.Status is { } status)
                {
                    throw status switch
                    {
                        409 => new ApiException(HttpStatusCode.Conflict, "Conflict", "Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again"),
                        429 => new ApiException(HttpStatusCode.TooManyRequests, "TooManyRequests", "the server has received too many requests and has asked us to try again later"),
                        _ => new ApiException((HttpStatusCode)status, "InternalError", "Internal error occurred: injected fault"),
                    };
                }
            }

            await DispatchAsync(context, route).ConfigureAwait(false);
        }
        catch (ApiException e)
        {
            if (!context.Response.HasStarted)
            {
                await WriteAsync(context, (int)e.Code, Status(e)).ConfigureAwait(false);
            }
        }
        catch (JsonException e)
        {
            if (!context.Response.HasStarted)
            {
                await WriteAsync(context, 400, Status(ApiException.BadRequest(e.Message))).ConfigureAwait(false);
            }
        }
    }

    private async Task DispatchAsync(HttpContext context, Route route)
    {
        var request = context.Request;
        var query = request.Query;
        var method = request.Method;
        if (route.Name is null)
        {
            var selector = LabelSelector.Parse(query["labelSelector"]);
            if (HttpMethods.IsGet(method) && query["watch"] is var watch && (watch == "true" || watch == "1"))
            {
                await WatchAsync(context, route, selector).ConfigureAwait(false);
                return;
            }

            if (HttpMethods.IsGet(method))
            {
                var (items, version) = store.List(route.Type, route.Namespace, selector);
                var list = new JsonObject
                {
                    ["apiVersion"] = route.ApiVersion,
                    ["kind"] = (items.FirstOrDefault()?["kind"]?.GetValue<string>() ?? route.Type.GuessKind()) + "List",
                    ["metadata"] = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture) },
                    ["items"] = new JsonArray(items.Select(i => (JsonNode)WithVersion(i, route)).ToArray()),
                };
                await WriteAsync(context, 200, list).ConfigureAwait(false);
                return;
            }

            if (HttpMethods.IsPost(method) && route.Namespace is not null)
            {
                var body = await ReadObjectAsync(request).ConfigureAwait(false);
                Intercept("create", new StoredObjectKey(route.Type, route.Namespace, body["metadata"]?["name"]?.GetValue<string>() ?? ""), null, body);
                await WriteAsync(context, 201, WithVersion(store.Create(route.Type, route.Namespace, body), route)).ConfigureAwait(false);
                return;
            }

            throw new ApiException(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", $"{method} is not supported on collections");
        }

        var key = new StoredObjectKey(route.Type, route.Namespace ?? "", route.Name);
        var statusOnly = route.Subresource == "status";
        if (route.Subresource is not null and not "status")
        {
            throw new ApiException(HttpStatusCode.NotFound, "NotFound", $"subresource {route.Subresource} is not emulated");
        }

        if (HttpMethods.IsGet(method))
        {
            var found = store.Get(key) ?? throw ApiException.NotFound(key);
            await WriteAsync(context, 200, WithVersion(found, route)).ConfigureAwait(false);
        }
        else if (HttpMethods.IsPut(method))
        {
            var body = await ReadObjectAsync(request).ConfigureAwait(false);
            Intercept("update", key, route.Subresource, body);
            await WriteAsync(context, 200, WithVersion(store.Update(key, body, statusOnly), route)).ConfigureAwait(false);
        }
        else if (HttpMethods.IsPatch(method))
        {
            var patch = JsonNode.Parse(await ReadBodyAsync(request).ConfigureAwait(false)) ?? throw ApiException.BadRequest("empty patch");
            Intercept("patch", key, route.Subresource, patch as JsonObject);
            var current = store.Get(key) ?? throw ApiException.NotFound(key);
            var contentType = request.ContentType ?? "";
            JsonNode? patched = contentType.StartsWith("application/json-patch+json", StringComparison.Ordinal)
                ? JsonPatching.ApplyJsonPatch(current, patch as JsonArray ?? throw ApiException.BadRequest("JSON patch must be an array"))
                : contentType.StartsWith("application/strategic-merge-patch+json", StringComparison.Ordinal)
                    ? JsonPatching.StrategicMergePatch(current.DeepClone(), patch)
                    : JsonPatching.MergePatch(current.DeepClone(), patch);
            var next = patched as JsonObject ?? throw ApiException.BadRequest("patch did not produce an object");

            // A patch only conflicts when it names a resourceVersion itself.
            var named = patch is JsonObject p ? p["metadata"]?["resourceVersion"]?.GetValue<string>() : null;
            next["metadata"]!["resourceVersion"] = named ?? current["metadata"]!["resourceVersion"]!.GetValue<string>();
            var updated = named is null ? UpdateRetryingOnRace(key, current, next, patch, contentType, statusOnly) : store.Update(key, next, statusOnly);
            await WriteAsync(context, 200, WithVersion(updated, route)).ConfigureAwait(false);
        }
        else if (HttpMethods.IsDelete(method))
        {
            Intercept("delete", key, null, null);
            var deleted = store.Delete(key, long.TryParse(query["gracePeriodSeconds"], out var grace) ? grace : null);
            await WriteAsync(context, 200, deleted is null ? new JsonObject() : WithVersion(deleted, route)).ConfigureAwait(false);
        }
        else
        {
            throw new ApiException(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", $"{method} is not supported");
        }
    }

    // Patches without a resourceVersion never conflict on a real server; re-apply on the newest copy if we raced.
    private JsonObject UpdateRetryingOnRace(StoredObjectKey key, JsonObject current, JsonObject next, JsonNode patch, string contentType, bool statusOnly)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return store.Update(key, next, statusOnly);
            }
            catch (ApiException e) when (e.Code == HttpStatusCode.Conflict && attempt < 10)
            {
                current = store.Get(key) ?? throw ApiException.NotFound(key);
                var patched = contentType.StartsWith("application/json-patch+json", StringComparison.Ordinal)
                    ? JsonPatching.ApplyJsonPatch(current, (JsonArray)patch)
                    : JsonPatching.MergePatch(current.DeepClone(), patch);
                next = (JsonObject)patched!;
                next["metadata"]!["resourceVersion"] = current["metadata"]!["resourceVersion"]!.GetValue<string>();
            }
        }
    }

    private void Authorize(HttpContext context, Route route)
    {
        if (!options.EnforceRbac)
        {
            return;
        }

        var request = context.Request;
        var verb = request.Method switch
        {
            "GET" when route.Name is null => request.Query["watch"] is var w && (w == "true" || w == "1") ? "watch" : "list",
            "GET" => "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => request.Method.ToLowerInvariant(),
        };
        var resource = route.Subresource is null ? route.Type.Plural : route.Type.Plural + "/" + route.Subresource;
        var user = UserOf(request);
        if (!_rbac.IsAllowed(user, verb, route.Type.Group, resource, route.Namespace))
        {
            throw new ApiException(HttpStatusCode.Forbidden, "Forbidden", RbacAuthorizer.Refusal(user, verb, route.Type.Group, resource, route.Namespace));
        }
    }

    // What `kubectl auth can-i` asks: allowed for everyone to ask (system:basic-user), about themselves.
    private async Task ReviewAccessAsync(HttpContext context)
    {
        var review = await ReadObjectAsync(context.Request).ConfigureAwait(false);
        var attributes = review["spec"]?["resourceAttributes"] as JsonObject ?? throw ApiException.BadRequest("spec.resourceAttributes is required");
        var verb = attributes["verb"]?.GetValue<string>() ?? "";
        var group = attributes["group"]?.GetValue<string>() ?? "";
        var resource = attributes["resource"]?.GetValue<string>() ?? "";
        if (attributes["subresource"]?.GetValue<string>() is { Length: > 0 } subresource)
        {
            resource += "/" + subresource;
        }

        var ns = attributes["namespace"]?.GetValue<string>() is { Length: > 0 } n ? n : null;
        var allowed = !options.EnforceRbac || _rbac.IsAllowed(UserOf(context.Request), verb, group, resource, ns);
        review["apiVersion"] = "authorization.k8s.io/v1";
        review["kind"] = "SelfSubjectAccessReview";
        review["status"] = new JsonObject { ["allowed"] = allowed, ["reason"] = allowed ? "allowed by RBAC" : "" };
        await WriteAsync(context, 201, review).ConfigureAwait(false);
    }

    private static string UserOf(HttpRequest request) =>
        request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal) && header.Length > 7
            ? header[7..].Trim()
            : RbacAuthorizer.Anonymous;

    private static ApiRequest Describe(HttpRequest request, Route route)
    {
        var method = request.Method;
        var verb = HttpMethods.IsGet(method)
            ? route.Name is not null ? "get" : request.Query["watch"] is var watch && (watch == "true" || watch == "1") ? "watch" : "list"
            : HttpMethods.IsPost(method) ? "create"
            : HttpMethods.IsPut(method) ? "update"
            : HttpMethods.IsPatch(method) ? "patch"
            : HttpMethods.IsDelete(method) ? "delete"
            : method.ToLowerInvariant();
        return new ApiRequest(verb, route.Type, route.Namespace, route.Name, route.Subresource);
    }

    private void Intercept(string verb, StoredObjectKey key, string? subresource, JsonObject? body) =>
        options.BeforeWrite?.Invoke(new WriteInterception(verb, key, subresource, body), store);

    private async Task WatchAsync(HttpContext context, Route route, LabelSelector? selector)
    {
        var query = context.Request.Query;
        var timeout = int.TryParse(query["timeoutSeconds"], out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(30);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        WatchSubscription subscription;
        try
        {
            subscription = store.Watch(route.Type, route.Namespace, selector, query["resourceVersion"]);
        }
        catch (ApiException e) when (e.Code == HttpStatusCode.Gone)
        {
            // A real server accepts the watch and then reports the expiry as an ERROR event.
            await WriteLineAsync(context, new JsonObject { ["type"] = "ERROR", ["object"] = Status(e) }).ConfigureAwait(false);
            return;
        }

        using (subscription)
        {
            var outage = _outage.Token;
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, outage);
            cts.CancelAfter(timeout);
            await context.Response.StartAsync(cts.Token).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(cts.Token).ConfigureAwait(false);
            try
            {
                await foreach (var e in subscription.Events.ReadAllAsync(cts.Token).ConfigureAwait(false))
                {
                    var line = new JsonObject { ["type"] = e.Type, ["object"] = WithVersion(e.Object, route) };
                    await WriteLineAsync(context, line).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (outage.IsCancellationRequested)
            {
                context.Abort();   // the server went away: the connection breaks, it does not end cleanly
            }
            catch (OperationCanceledException)
            {
                // Timeout or client gone: the watch simply ends.
            }
        }
    }

    private static async Task WriteLineAsync(HttpContext context, JsonObject line)
    {
        var bytes = Encoding.UTF8.GetBytes(line.ToJsonString());
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.WriteAsync(NewLine, context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static JsonObject WithVersion(JsonObject obj, Route route)
    {
        obj["apiVersion"] = route.ApiVersion;
        return obj;
    }

    private static JsonObject Status(ApiException e) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = e.Message,
        ["reason"] = e.Reason,
        ["code"] = (int)e.Code,
    };

    private static async Task WriteAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<string> ReadBodyAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync().ConfigureAwait(false);
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpRequest request) =>
        JsonNode.Parse(await ReadBodyAsync(request).ConfigureAwait(false)) as JsonObject ?? throw ApiException.BadRequest("body must be a JSON object");

    private static bool TryParse(string path, out Route route)
    {
        route = default;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group, version;
        int rest;
        if (segments.Length >= 3 && segments[0] == "api")
        {
            (group, version, rest) = ("", segments[1], 2);
        }
        else if (segments.Length >= 4 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], 3);
        }
        else
        {
            return false;
        }

        var apiVersion = group.Length == 0 ? version : group + "/" + version;
        var tail = segments[rest..];
        if (tail.Length >= 3 && tail[0] == "namespaces")
        {
            route = new Route(new ResourceType(group, tail[2]), apiVersion, tail[1], tail.Length > 3 ? tail[3] : null, tail.Length > 4 ? tail[4] : null);
            return true;
        }

        if (tail.Length == 1)
        {
            route = new Route(new ResourceType(group, tail[0]), apiVersion, null, null, null);
            return true;
        }

        return false;
    }

    private readonly record struct Route(ResourceType Type, string ApiVersion, string? Namespace, string? Name, string? Subresource);
}
