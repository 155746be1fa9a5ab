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
    private readonly AdmissionWebhooks _admission = new(store);
    private readonly CustomResourceConversion _conversion = new(store);
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

        options.OnRequest?.Invoke(context.Request.Method, context.Request.Path.Value ?? "/", context.Request.QueryString.Value ?? "");

        try
        {
            var path = context.Request.Path.Value ?? "/";
            if (HttpMethods.IsGet(context.Request.Method) && path == "/openapi/v2")
            {
                context.Response.ContentType = OpenApiDocuments.V2ProtobufMediaType;
                await context.Response.Body.WriteAsync(OpenApiDocuments.V2Protobuf(), context.RequestAborted).ConfigureAwait(false);
                return;
            }

            if (HttpMethods.IsGet(context.Request.Method) && DiscoveryDocument(context, path) is { } document)
            {
                await WriteAsync(context, 200, document).ConfigureAwait(false);
                return;
            }

            if (!TryParse(path, out var route))
            {
                throw new ApiException(HttpStatusCode.NotFound, "NotFound", "the server could not find the requested resource");
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

    // The request pipeline of a write, in the API server's order
    // (https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#what-are-admission-webhooks):
    // authorization (Authorize) -> decode, and for a patch apply it to the stored object -> mutating admission ->
    // schema pruning, defaulting and validation (ResourceStore.Create/Update) -> validating admission -> storage.
    // Admission webhooks belong in Admit, the one place every create, update, patch and delete passes through.
    private async Task DispatchAsync(HttpContext context, Route route)
    {
        var request = context.Request;
        var query = request.Query;
        var method = request.Method;
        var definition = route.Definition;

        // Server-side dry run (dryRun=All: admission and validation, nothing stored) is not emulated. Refusing it is
        // the honest answer: ignoring the parameter would store what the client asked only to check.
        if (!HttpMethods.IsGet(method) && query.ContainsKey("dryRun"))
        {
            throw query["dryRun"] == "All"
                ? ApiException.BadRequest("dryRun=All (server-side dry run) is not supported by the Kubernetes API emulator; apply for real")
                : ApiException.Invalid(method switch { "POST" => "CreateOptions", "PUT" => "UpdateOptions", "PATCH" => "PatchOptions", _ => "DeleteOptions" } + ".meta.k8s.io", "", $"dryRun: Unsupported value: \"{query["dryRun"]}\": supported values: \"All\"");
        }

        if (route.Name is null)
        {
            var selector = LabelSelector.Parse(query["labelSelector"]);
            var fields = FieldSelector.Parse(query["fieldSelector"], route.Type);
            if (HttpMethods.IsGet(method) && query["watch"] is var watch && (watch == "true" || watch == "1"))
            {
                await WatchAsync(context, route, selector, fields).ConfigureAwait(false);
                return;
            }

            if (HttpMethods.IsGet(method))
            {
                var (stored, version) = store.List(route.Type, route.Namespace, selector, fields, query["resourceVersion"], query["resourceVersionMatch"]);
                var items = await _conversion.ConvertAsync(definition, stored, route.Version.Name, context.RequestAborted).ConfigureAwait(false);
                var resourceVersion = version.ToString(CultureInfo.InvariantCulture);
                if (TableConverter.Wants(request.Headers.Accept))
                {
                    await WriteAsync(context, 200, TableConverter.Convert(definition, route.Version, items, resourceVersion, query["includeObject"], options.TimeProvider.GetUtcNow())).ConfigureAwait(false);
                    return;
                }

                var list = new JsonObject
                {
                    ["apiVersion"] = route.ApiVersion,
                    ["kind"] = definition.Kind + "List",
                    ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
                    ["items"] = new JsonArray([.. items]),
                };
                await WriteAsync(context, 200, list).ConfigureAwait(false);
                return;
            }

            if (HttpMethods.IsPost(method) && route.Namespace is not null)
            {
                var body = await ReadObjectAsync(request).ConfigureAwait(false);
                CheckKind(route, body);

                // With the status subresource, status is ignored on create (the controller that owns it writes it).
                if (route.Version.StatusSubresource)
                {
                    body.Remove("status");
                }

                var created = new StoredObjectKey(route.Type, route.Namespace, body["metadata"]?["name"]?.GetValue<string>() ?? "");
                body = await AdmitAsync(context, "create", route, created, null, body).ConfigureAwait(false) ?? body;
                body = await ToStorageVersionAsync(context, route, body).ConfigureAwait(false);
                await WriteAsync(context, 201, await ToRequestVersionAsync(context, route, store.Create(route.Type, route.Namespace, body)).ConfigureAwait(false)).ConfigureAwait(false);
                return;
            }

            throw new ApiException(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", $"the server does not allow this method on the requested resource");
        }

        var key = new StoredObjectKey(route.Type, route.Namespace ?? "", route.Name);
        var statusOnly = route.Subresource == "status";
        if (HttpMethods.IsGet(method))
        {
            var found = await ToRequestVersionAsync(context, route, store.Get(key) ?? throw ApiException.NotFound(key)).ConfigureAwait(false);
            var table = TableConverter.Wants(request.Headers.Accept);
            await WriteAsync(context, 200, table ? TableConverter.Convert(definition, route.Version, [found], found["metadata"]!["resourceVersion"]!.GetValue<string>(), query["includeObject"], options.TimeProvider.GetUtcNow()) : found).ConfigureAwait(false);
        }
        else if (HttpMethods.IsPut(method))
        {
            var body = await ReadObjectAsync(request).ConfigureAwait(false);
            CheckKind(route, body);

            // Custom resources refuse unconditional updates (the apiextensions strategy's AllowUnconditionalUpdate is
            // false); built-in types take a PUT without resourceVersion as "overwrite whatever is stored".
            if (definition.IsCustom && string.IsNullOrEmpty(body["metadata"]?["resourceVersion"]?.GetValue<string>()))
            {
                throw ApiException.Invalid(definition.Kind, route.Name, "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");
            }

            body = await AdmitAsync(context, "update", route, key, null, body).ConfigureAwait(false) ?? body;
            body = await ToStorageVersionAsync(context, route, body).ConfigureAwait(false);
            await ReencodeStoredAsync(context, route, key).ConfigureAwait(false);
            await WriteAsync(context, 200, await ToRequestVersionAsync(context, route, store.Update(key, body, statusOnly)).ConfigureAwait(false)).ConfigureAwait(false);
        }
        else if (HttpMethods.IsPatch(method))
        {
            var contentType = (request.ContentType ?? "").Split(';')[0].Trim();
            if (contentType == "application/strategic-merge-patch+json" && definition.IsCustom)
            {
                // https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/#notes-on-the-strategic-merge-patch
                throw new ApiException(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json");
            }

            if (contentType is not ("application/json-patch+json" or "application/merge-patch+json" or "application/strategic-merge-patch+json"))
            {
                throw new ApiException(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json{(definition.IsCustom ? "" : ", application/strategic-merge-patch+json")}");
            }

            var patch = JsonNode.Parse(await ReadBodyAsync(request).ConfigureAwait(false)) ?? throw ApiException.BadRequest("empty patch");
            // The patch applies to the object in the version the request names; it is stored in the storage version.
            var current = await ToRequestVersionAsync(context, route, store.Get(key) ?? throw ApiException.NotFound(key)).ConfigureAwait(false);
            var next = ApplyPatch(current, patch, contentType);
            next = await AdmitAsync(context, "patch", route, key, current, next).ConfigureAwait(false) ?? next;

            // A patch only conflicts when it names a resourceVersion itself.
            var named = patch is JsonObject p ? p["metadata"]?["resourceVersion"]?.GetValue<string>() : null;
            next["metadata"]!["resourceVersion"] = named ?? current["metadata"]!["resourceVersion"]!.GetValue<string>();
            next = await ToStorageVersionAsync(context, route, next).ConfigureAwait(false);
            await ReencodeStoredAsync(context, route, key).ConfigureAwait(false);
            var updated = named is null ? await UpdateRetryingOnRaceAsync(context, route, key, next, patch, contentType, statusOnly).ConfigureAwait(false) : store.Update(key, next, statusOnly);
            await WriteAsync(context, 200, await ToRequestVersionAsync(context, route, updated).ConfigureAwait(false)).ConfigureAwait(false);
        }
        else if (HttpMethods.IsDelete(method) && !statusOnly)
        {
            var deleteOptions = await ReadDeleteOptionsAsync(request).ConfigureAwait(false);
            var grace = long.TryParse(query["gracePeriodSeconds"], out var g) ? g : JsonNumbers.ReadLong(deleteOptions?["gracePeriodSeconds"]);
            var propagation = query["propagationPolicy"].ToString() is { Length: > 0 } q ? q : deleteOptions?["propagationPolicy"]?.GetValue<string>();
            if (propagation is not (null or "Orphan" or "Background" or "Foreground"))
            {
                throw ApiException.Invalid("DeleteOptions", "", $"propagationPolicy: Unsupported value: \"{propagation}\": supported values: \"Foreground\", \"Background\", \"Orphan\"");
            }

            var precondition = deleteOptions?["preconditions"]?["resourceVersion"]?.GetValue<string>();
            var uid = deleteOptions?["preconditions"]?["uid"]?.GetValue<string>();
            if ((precondition ?? uid) is not null && store.Get(key) is { } stored &&
                ((precondition is not null && precondition != stored["metadata"]?["resourceVersion"]?.GetValue<string>()) || (uid is not null && uid != stored["metadata"]?["uid"]?.GetValue<string>())))
            {
                throw ApiException.Conflict(key, "the object has been modified; please apply your changes to the latest version and try again");
            }

            await AdmitAsync(context, "delete", route, key, null, null).ConfigureAwait(false);
            var deleted = store.Delete(key, grace, propagation);
            await WriteAsync(context, 200, deleted is null ? new JsonObject() : await ToRequestVersionAsync(context, route, deleted).ConfigureAwait(false)).ConfigureAwait(false);
        }
        else
        {
            throw new ApiException(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", "the server does not allow this method on the requested resource");
        }
    }

    private static JsonObject ApplyPatch(JsonObject current, JsonNode patch, string contentType) => contentType switch
    {
        "application/json-patch+json" => JsonPatching.ApplyJsonPatch(current, patch as JsonArray ?? throw ApiException.BadRequest("JSON patch must be an array")),
        "application/strategic-merge-patch+json" => JsonPatching.StrategicMergePatch(current.DeepClone(), patch),
        _ => JsonPatching.MergePatch(current.DeepClone(), patch),
    } as JsonObject ?? throw ApiException.BadRequest("patch did not produce an object");

    // The body must name the kind the path serves, in one of its group's versions (an empty kind means the path's, and
    // is stored as such: what the API server answers always names its kind).
    private static void CheckKind(Route route, JsonObject body)
    {
        var kind = body["kind"]?.GetValue<string>();
        if (!string.IsNullOrEmpty(kind) && kind != route.Definition.Kind)
        {
            throw ApiException.BadRequest($"the API version in the data ({body["apiVersion"]}) does not match the expected API version ({route.ApiVersion}) or kind {kind} is not {route.Definition.Kind}");
        }

        if (string.IsNullOrEmpty(kind))
        {
            body["kind"] = route.Definition.Kind;
        }
    }

    private static async Task<JsonObject?> ReadDeleteOptionsAsync(HttpRequest request)
    {
        var body = await ReadBodyAsync(request).ConfigureAwait(false);
        return string.IsNullOrWhiteSpace(body) ? null : JsonNode.Parse(body) as JsonObject ?? throw ApiException.BadRequest("DeleteOptions must be a JSON object");
    }

    // Patches without a resourceVersion never conflict on a real server: its GuaranteedUpdate re-reads the object and
    // runs the whole update again (the patch, then admission: mutating webhooks included) until it stores. Re-applying
    // the patch alone would drop what a mutating webhook added on the first try.
    private async Task<JsonObject> UpdateRetryingOnRaceAsync(HttpContext context, Route route, StoredObjectKey key, JsonObject next, JsonNode patch, string contentType, bool statusOnly)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return store.Update(key, next, statusOnly);
            }
            catch (ApiException e) when (e.Code == HttpStatusCode.Conflict && attempt < 10)
            {
                var current = await ToRequestVersionAsync(context, route, store.Get(key) ?? throw ApiException.NotFound(key)).ConfigureAwait(false);
                next = ApplyPatch(current, patch, contentType);
                next = await AdmitAsync(context, "patch", route, key, current, next).ConfigureAwait(false) ?? next;
                next["metadata"]!["resourceVersion"] = current["metadata"]!["resourceVersion"]!.GetValue<string>();
                next = await ToStorageVersionAsync(context, route, next).ConfigureAwait(false);
                await ReencodeStoredAsync(context, route, key).ConfigureAwait(false);
            }
        }
    }

    // What a client sees: the stored object in the version its request names (a conversion webhook call when the
    // CRD's strategy is Webhook and the versions differ).
    private Task<JsonObject> ToRequestVersionAsync(HttpContext context, Route route, JsonObject stored) =>
        _conversion.ConvertAsync(route.Definition, stored, route.Version.Name, context.RequestAborted);

    // What is stored: the request's object in the storage version
    // (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definition-versioning/#writing-reading-and-updating-versioned-customresourcedefinition-objects).
    private async Task<JsonObject> ToStorageVersionAsync(HttpContext context, Route route, JsonObject obj)
    {
        // A body without apiVersion is in the version of its path.
        if (string.IsNullOrEmpty(obj["apiVersion"]?.GetValue<string>()))
        {
            obj["apiVersion"] = route.ApiVersion;
        }

        return await _conversion.ConvertAsync(route.Definition, obj, route.Definition.StorageVersion.Name, context.RequestAborted).ConfigureAwait(false);
    }

    // An update is written whole in the storage version: an object still stored in another version is re-encoded
    // first, so the status or spec the update keeps is in the same version as what it changes.
    private async Task ReencodeStoredAsync(HttpContext context, Route route, StoredObjectKey key)
    {
        var storage = route.Definition.GroupVersion(route.Definition.StorageVersion.Name);
        if (route.Definition.ConversionWebhook is null || store.Get(key) is not { } stored || stored["apiVersion"]?.GetValue<string>() is not { Length: > 0 } apiVersion || apiVersion == storage)
        {
            return;
        }

        store.Reencode(key, await _conversion.ConvertAsync(route.Definition, stored, route.Definition.StorageVersion.Name, context.RequestAborted).ConfigureAwait(false));
    }

    private static ApiRequest Describe(HttpRequest request, Route route) =>
        new(Verb(request, route), route.Type, route.Namespace, route.Name, route.Subresource);

    // The verb RBAC and audit logs name a request by.
    private static string Verb(HttpRequest request, Route route) => request.Method switch
    {
        "GET" when route.Name is null => request.Query["watch"] is var w && (w == "true" || w == "1") ? "watch" : "list",
        "GET" => "get",
        "POST" => "create",
        "PUT" => "update",
        "PATCH" => "patch",
        "DELETE" => "delete",
        _ => request.Method.ToLowerInvariant(),
    };

    // Authorization (with RBAC on) and the audit record of the request, both on the attributes the API server's
    // RequestInfo gives: a cluster-scoped resource or a list across all namespaces has no namespace.
    private void Authorize(HttpContext context, Route route)
    {
        if (!options.EnforceRbac && options.Audit is null)
        {
            return;
        }

        var request = context.Request;
        var verb = Verb(request, route);
        var resource = route.Subresource is null ? route.Type.Plural : route.Type.Plural + "/" + route.Subresource;
        var user = UserOf(request);
        var ns = string.IsNullOrEmpty(route.Namespace) ? null : route.Namespace;
        var name = route.Name ?? NameFromFieldSelector(request, verb);
        if (!Check(user, verb, route.Type, route.Subresource, ns, !route.Definition.Namespaced, name))
        {
            throw new ApiException(HttpStatusCode.Forbidden, "Forbidden", RbacAuthorizer.Refusal(user, verb, route.Type.Group, resource, ns, name));
        }
    }

    // One authorization decision, recorded in the audit.
    private bool Check(string user, string verb, ResourceType type, string? subresource, string? ns, bool clusterScoped, string? name)
    {
        var resource = subresource is null ? type.Plural : type.Plural + "/" + subresource;
        var allowed = !options.EnforceRbac || _rbac.IsAllowed(user, verb, type.Group, resource, ns, name);
        options.Audit?.Record(new ApiAuditRecord(user, verb, type.Group, type.Plural, subresource, ns, clusterScoped, name, allowed));
        return allowed;
    }

    // The OwnerReferencesPermissionEnforcement admission plugin
    // (https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#ownerreferencespermissionenforcement):
    // whoever changes an object's ownerReferences must be allowed to delete the object, and whoever newly sets
    // blockOwnerDeletion on a reference must be allowed to update the owner's finalizers subresource.
    private void EnforceOwnerReferences(HttpContext context, Route route, StoredObjectKey key, JsonObject? oldObject, JsonObject obj)
    {
        var before = oldObject?["metadata"]?["ownerReferences"] as JsonArray ?? [];
        var after = obj["metadata"]?["ownerReferences"] as JsonArray ?? [];
        if (JsonNode.DeepEquals(before, after))
        {
            return;
        }

        var user = UserOf(context.Request);
        var ns = string.IsNullOrEmpty(key.Namespace) ? null : key.Namespace;
        var name = obj["metadata"]?["name"]?.GetValue<string>() ?? key.Name;
        if (!Check(user, "delete", route.Type, null, ns, !route.Definition.Namespaced, name))
        {
            throw new ApiException(HttpStatusCode.Forbidden, "Forbidden", "cannot set an ownerRef on a resource you can't delete: " + RbacAuthorizer.Refusal(user, "delete", route.Type.Group, route.Type.Plural, ns, name));
        }

        foreach (var reference in after.OfType<JsonObject>())
        {
            var uid = reference["uid"]?.GetValue<string>();
            if (reference["blockOwnerDeletion"]?.GetValue<bool>() != true ||
                before.OfType<JsonObject>().Any(b => b["uid"]?.GetValue<string>() == uid && b["blockOwnerDeletion"]?.GetValue<bool>() == true))
            {
                continue;
            }

            var owner = store.Catalog.FindKind(reference["apiVersion"]?.GetValue<string>() ?? "", reference["kind"]?.GetValue<string>() ?? "")
                ?? throw new ApiException(HttpStatusCode.Forbidden, "Forbidden", $"cannot set blockOwnerDeletion in this case because cannot find RESTMapping for APIVersion {reference["apiVersion"]} Kind {reference["kind"]}");
            var ownerName = reference["name"]?.GetValue<string>();
            if (!Check(user, "update", owner.Type, "finalizers", owner.Namespaced ? ns : null, !owner.Namespaced, ownerName))
            {
                throw new ApiException(HttpStatusCode.Forbidden, "Forbidden", "cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: " + RbacAuthorizer.Refusal(user, "update", owner.Type.Group, owner.Type.Plural + "/finalizers", owner.Namespaced ? ns : null, ownerName));
            }
        }
    }

    // A list or watch narrowed to one object by fieldSelector=metadata.name=<name> is authorized as a request for that
    // name, so a rule's resourceNames can allow it (the API server's RequestInfoFactory does the same).
    private static string? NameFromFieldSelector(HttpRequest request, string verb)
    {
        const string Prefix = "metadata.name=";
        return verb is "list" or "watch" && request.Query["fieldSelector"].ToString() is { } selector && selector.StartsWith(Prefix, StringComparison.Ordinal) && !selector.Contains(',', StringComparison.Ordinal)
            ? selector[Prefix.Length..]
            : null;
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
        var name = attributes["name"]?.GetValue<string>() is { Length: > 0 } named ? named : null;
        var allowed = !options.EnforceRbac || _rbac.IsAllowed(UserOf(context.Request), verb, group, resource, ns, name);
        review["apiVersion"] = "authorization.k8s.io/v1";
        review["kind"] = "SelfSubjectAccessReview";
        review["status"] = new JsonObject { ["allowed"] = allowed, ["reason"] = allowed ? "allowed by RBAC" : "" };
        await WriteAsync(context, 201, review).ConfigureAwait(false);
    }

    private static string UserOf(HttpRequest request) =>
        request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal) && header.Length > 7
            ? header[7..].Trim()
            : RbacAuthorizer.Anonymous;

    // The admission step of every write (see DispatchAsync): the test hook, then the mutating webhooks, the schema's
    // pruning and defaults (so validating webhooks see what will be stored), then the validating webhooks.
    // A patch passes the object it was applied to as oldObject; an update or delete reads it here. Returns the object
    // to store; null for a delete.
    private async Task<JsonObject?> AdmitAsync(HttpContext context, string verb, Route route, StoredObjectKey key, JsonObject? oldObject, JsonObject? body)
    {
        options.BeforeWrite?.Invoke(new WriteInterception(verb, key, route.Subresource, body), store);
        if (verb is "update" or "delete")
        {
            // After the hook, which may have raced a change in; webhooks see it in the request's version.
            oldObject = store.Get(key) is { } stored ? await ToRequestVersionAsync(context, route, stored).ConfigureAwait(false) : null;
        }

        var operation = verb switch
        {
            "create" => "CREATE",
            "delete" => "DELETE",
            _ => "UPDATE",
        };
        var subresource = verb == "delete" ? null : route.Subresource;
        var admitted = await _admission.MutateAsync(operation, route.Definition, route.Version.Name, subresource, key.Namespace, oldObject, body, context.RequestAborted).ConfigureAwait(false);
        // Pruned and defaulted by the schema of the request's version; the storage version's applies once converted.
        if (admitted is not null && route.Definition.IsCustom && route.Version.Schema is { } schema)
        {
            StructuralSchema.PruneAndDefault(admitted, schema);
        }

        if (options.OwnerReferencesPermissionEnforcement && admitted is not null)
        {
            EnforceOwnerReferences(context, route, key, oldObject, admitted);
        }

        await _admission.ValidateAsync(operation, route.Definition, route.Version.Name, subresource, key.Namespace, oldObject, admitted, context.RequestAborted).ConfigureAwait(false);
        return admitted;
    }

    private async Task WatchAsync(HttpContext context, Route route, LabelSelector? selector, FieldSelector? fields)
    {
        var query = context.Request.Query;
        var timeout = int.TryParse(query["timeoutSeconds"], out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(30);
        var bookmarks = query["allowWatchBookmarks"] == "true";

        // Streaming lists (https://kubernetes.io/docs/reference/using-api/api-concepts/#streaming-lists): the current
        // state as ADDED events, then a BOOKMARK annotated k8s.io/initial-events-end; kubectl wait relies on it.
        var initialEvents = query["sendInitialEvents"] == "true";
        if (initialEvents && query["resourceVersionMatch"] != "NotOlderThan")
        {
            throw ApiException.Invalid("ListOptions", "", "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
        }

        if (!initialEvents && query.ContainsKey("resourceVersionMatch"))
        {
            throw ApiException.Invalid("ListOptions", "", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided");
        }

        if (initialEvents && !bookmarks)
        {
            throw ApiException.Invalid("ListOptions", "", "allowWatchBookmarks: Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true");
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        WatchSubscription subscription;
        try
        {
            subscription = store.Watch(route.Type, route.Namespace, selector, query["resourceVersion"], fields);
        }
        catch (ApiException e) when (e.Code == HttpStatusCode.Gone)
        {
            // A real server accepts the watch and then reports the expiry as an ERROR event with code 410
            // (https://kubernetes.io/docs/reference/using-api/api-concepts/#410-gone-responses).
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
                if (initialEvents)
                {
                    for (var i = 0; i < subscription.InitialEvents && subscription.TryRead(out var e); i++)
                    {
                        await WriteLineAsync(context, new JsonObject { ["type"] = e.Type, ["object"] = await ToRequestVersionAsync(context, route, e.Object).ConfigureAwait(false) }).ConfigureAwait(false);
                    }

                    var end = Bookmark(route, subscription.StartVersion);
                    end["object"]!["metadata"]!["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
                    await WriteLineAsync(context, end).ConfigureAwait(false);
                }

                while (true)
                {
                    using var tick = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
                    if (bookmarks)
                    {
                        tick.CancelAfter(options.BookmarkInterval);
                    }

                    bool more;
                    try
                    {
                        more = await subscription.Events.WaitToReadAsync(tick.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cts.IsCancellationRequested)
                    {
                        // https://kubernetes.io/docs/reference/using-api/api-concepts/#watch-bookmarks
                        if (store.BookmarkVersion(subscription) is { } version)
                        {
                            await WriteLineAsync(context, Bookmark(route, version)).ConfigureAwait(false);
                        }

                        continue;
                    }

                    if (!more)
                    {
                        break;
                    }

                    while (subscription.TryRead(out var e))
                    {
                        var line = new JsonObject { ["type"] = e.Type, ["object"] = await ToRequestVersionAsync(context, route, e.Object).ConfigureAwait(false) };
                        await WriteLineAsync(context, line).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (outage.IsCancellationRequested)
            {
                context.Abort();   // the server went away: the connection breaks, it does not end cleanly
            }
            catch (ApiException)
            {
                // An event that cannot be converted (the conversion webhook failed) ends the watch, as the API
                // server's watch encoder does; the client re-lists and sees the 500.
            }
            catch (OperationCanceledException)
            {
                // Timeout or client gone: the watch simply ends.
            }
        }
    }

    private static JsonObject Bookmark(Route route, long resourceVersion) => new()
    {
        ["type"] = "BOOKMARK",
        ["object"] = new JsonObject
        {
            ["kind"] = route.Definition.Kind,
            ["apiVersion"] = route.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) },
        },
    };

    private static async Task WriteLineAsync(HttpContext context, JsonObject line)
    {
        var bytes = Encoding.UTF8.GetBytes(line.ToJsonString());
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.WriteAsync(NewLine, context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
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

    // GET /api, /api/v1, /apis, /apis/<group>, /apis/<group>/<version> and /version; null for any other path.
    private JsonObject? DiscoveryDocument(HttpContext context, string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var catalog = store.Catalog;
        return segments switch
        {
            ["api"] => Discovery.CoreVersions(context.Request.Host.Value ?? "127.0.0.1"),
            ["api", var version] => Discovery.Resources(catalog, "", version) ?? throw NoSuchPath(),
            ["apis"] => Discovery.Groups(catalog),
            ["apis", var group] => Discovery.Group(catalog, group) ?? throw NoSuchPath(),
            ["apis", var group, var version] => Discovery.Resources(catalog, group, version) ?? throw NoSuchPath(),
            ["openapi", "v3"] => OpenApiDocuments.Root(catalog),
            ["openapi", "v3", "api", var version] => OpenApiDocuments.GroupVersion(catalog, "", version) ?? throw NoSuchPath(),
            ["openapi", "v3", "apis", var group, var version] => OpenApiDocuments.GroupVersion(catalog, group, version) ?? throw NoSuchPath(),
            ["version"] => new JsonObject
            {
                ["major"] = "1",
                ["minor"] = "35",
                ["gitVersion"] = "v1.35.0-lanes-emulator",
                ["platform"] = "linux/amd64",
            },
            _ => null,
        };
    }

    private static ApiException NoSuchPath() => new(HttpStatusCode.NotFound, "NotFound", "the server could not find the requested resource");

    // A resource path is served only when a built-in type or an established CRD defines that resource in that version.
    private bool TryParse(string path, out Route route)
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

        var tail = segments[rest..];
        string? ns = null;
        if (tail.Length >= 3 && tail[0] == "namespaces")
        {
            ns = tail[1];
            tail = tail[2..];
        }

        if (tail.Length > 3 || store.Catalog.Find(new ResourceType(group, tail[0])) is not { } definition || definition.Served(version) is not { } served)
        {
            return false;
        }

        if (ns is not null && !definition.Namespaced)
        {
            return false;
        }

        var name = tail.Length > 1 ? tail[1] : null;
        var subresource = tail.Length > 2 ? tail[2] : null;
        if (subresource is not null && !(subresource == "status" && served.StatusSubresource))
        {
            return false;
        }

        if (!definition.Namespaced)
        {
            ns = "";
        }
        else if (ns is null && name is not null)
        {
            return false;
        }

        route = new Route(definition, served, definition.GroupVersion(version), ns, name, subresource);
        return true;
    }

    private readonly record struct Route(ResourceDefinition Definition, ResourceVersionDefinition Version, string ApiVersion, string? Namespace, string? Name, string? Subresource)
    {
        public ResourceType Type => Definition.Type;
    }
}
