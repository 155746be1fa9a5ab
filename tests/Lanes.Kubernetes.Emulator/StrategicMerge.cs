using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// Strategic merge patch as the API server applies it (k8s.io/apimachinery pkg/util/strategicpatch;
/// https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/ and
/// https://github.com/kubernetes/community/blob/master/contributors/devel/sig-api-machinery/strategic-merge-patch.md):
/// maps merge; lists merge by their patch merge key or as sets of primitives where <see cref="StrategicMergeSchema"/>
/// says so, else they are replaced; and the directives kubectl sends: <c>$patch: replace|delete</c> on maps and list
/// items, <c>$deleteFromPrimitiveList/&lt;field&gt;</c>, <c>$setElementOrder/&lt;field&gt;</c> and <c>$retainKeys</c>.
/// Merged lists keep the patch's order, with items only the server has placed by their order in the live list.
/// </summary>
internal static class StrategicMerge
{
    private const string Directive = "$patch";
    private const string RetainKeys = "$retainKeys";
    private const string DeleteFromPrimitiveList = "$deleteFromPrimitiveList/";
    private const string SetElementOrder = "$setElementOrder/";

    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var type = StrategicMergeSchema.RootType(target?["kind"]?.GetValue<string>());
        return MergeMap(target as JsonObject ?? [], (JsonObject)patchObject.DeepClone(), type);
    }

    private static JsonObject MergeMap(JsonObject original, JsonObject patch, string? type)
    {
        if (patch[Directive] is { } directive)
        {
            return directive.GetValue<string>() switch
            {
                "replace" => Strip(Without(patch, Directive)),
                "delete" => [],
                var other => throw ApiException.BadRequest($"unknown patch type: {other} in map: {patch.ToJsonString()}"),
            };
        }

        ApplyRetainKeys(original, patch);
        ApplySetElementOrder(original, patch, type);
        foreach (var (key, value) in patch.ToList())
        {
            if (key.StartsWith(DeleteFromPrimitiveList, StringComparison.Ordinal))
            {
                var listKey = key[DeleteFromPrimitiveList.Length..];
                var toDelete = value as JsonArray ?? throw ApiException.BadRequest("invalid patch format of primitive list");
                if (original[listKey] is JsonArray current)
                {
                    original[listKey] = new JsonArray([.. current.Where(item => !toDelete.Any(d => JsonNode.DeepEquals(d, item))).Select(static item => item?.DeepClone())]);
                }

                continue;
            }

            if (key.StartsWith('$'))
            {
                continue;
            }

            if (value is null)
            {
                original.Remove(key);
                continue;
            }

            var field = StrategicMergeSchema.Field(type, key);
            original[key] = (original[key], value) switch
            {
                (JsonObject current, JsonObject patchMap) => MergeMap((JsonObject)current.DeepClone(), patchMap, field.Type),
                (JsonArray current, JsonArray patchList) when field.Merge => MergeList(current, patchList, field),
                _ => Strip(value),
            };
        }

        return original;
    }

    // $retainKeys: fields of the live map missing from the list are cleared; the patch may only set listed fields.
    private static void ApplyRetainKeys(JsonObject original, JsonObject patch)
    {
        if (!patch.ContainsKey(RetainKeys))
        {
            return;
        }

        var retain = patch[RetainKeys] as JsonArray ?? throw ApiException.BadRequest("invalid patch format of retainKeys");
        patch.Remove(RetainKeys);
        var keep = retain.Select(static k => k?.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, value) in patch)
        {
            if (value is not null && !key.StartsWith(DeleteFromPrimitiveList, StringComparison.Ordinal) && !key.StartsWith(SetElementOrder, StringComparison.Ordinal) && !keep.Contains(key))
            {
                throw ApiException.BadRequest("invalid patch format of retainKeys");
            }
        }

        foreach (var key in original.Select(static p => p.Key).Where(k => !keep.Contains(k)).ToList())
        {
            original.Remove(key);
        }
    }

    // $setElementOrder/<field>: the list (merged with the patch's list if any) takes that relative order.
    private static void ApplySetElementOrder(JsonObject original, JsonObject patch, string? type)
    {
        foreach (var (key, value) in patch.Where(static p => p.Key.StartsWith(SetElementOrder, StringComparison.Ordinal)).ToList())
        {
            patch.Remove(key);
            var order = value as JsonArray ?? throw ApiException.BadRequest("invalid patch format of setElementOrder list");
            var listKey = key[SetElementOrder.Length..];
            var field = StrategicMergeSchema.Field(type, listKey);
            var current = original[listKey] as JsonArray;
            var patchList = patch[listKey] as JsonArray;
            ValidateOrder(patchList, order, field.MergeKey);
            JsonArray merged;
            IList<JsonNode?> serverOrder = current is null ? [] : [.. current];
            if (current is null && patchList is null)
            {
                continue;
            }
            else if (patchList is null)
            {
                merged = current!;
            }
            else if (current is null)
            {
                merged = Strip(patchList);
            }
            else
            {
                if (field.Merge)
                {
                    merged = MergeList(current, patchList, field, out var view);
                    serverOrder = view;
                }
                else
                {
                    merged = Strip(patchList);
                }
            }

            var (inOrder, serverOnly) = Partition(merged, order, field.MergeKey);
            original[listKey] = Normalize(inOrder, serverOnly, order, serverOrder, field.MergeKey);
            patch.Remove(listKey);
        }
    }

    // validatePatchWithSetOrderList: the patch's items (deletions aside) appear in the order list, in its order.
    private static void ValidateOrder(JsonArray? patchList, JsonArray order, string? mergeKey)
    {
        if (patchList is null || patchList.Count == 0 || order.Count == 0)
        {
            return;
        }

        var items = patchList.Where(i => i is not JsonObject o || (o[Directive] is null && !o.Any(static p => p.Key.StartsWith('$')))).ToList();
        var p = 0;
        for (var o = 0; p < items.Count && o < order.Count; o++)
        {
            if (Same(items[p], order[o], mergeKey))
            {
                p++;
            }
        }

        if (p < items.Count)
        {
            throw ApiException.BadRequest($"The order in patch list:\n{patchList.ToJsonString()}\n doesn't match $setElementOrder list:\n{order.ToJsonString()}\n");
        }
    }

    private static JsonArray MergeList(JsonArray original, JsonArray patch, PatchField field) => MergeList(original, patch, field, out _);

    // mergeSlice. The live list is worked on as Go does, in place in an array of its length: deleting an item shifts the
    // rest left, and new items are written after the remaining ones while they fit. `serverView` is that array
    // afterwards, which is the live order $setElementOrder then sorts by (as the API server's own library does).
    private static JsonArray MergeList(JsonArray original, JsonArray patch, PatchField field, out List<JsonNode?> serverView)
    {
        serverView = [.. original.Select(static i => i?.DeepClone())];
        if (original.Count == 0 && patch.Count == 0)
        {
            return [];
        }

        var maps = original.Concat(patch).FirstOrDefault(static i => i is not null) is JsonObject;
        if (!maps)
        {
            var union = new List<JsonNode?>();
            foreach (var item in original.Concat(patch))
            {
                if (!union.Any(u => JsonNode.DeepEquals(u, item)))
                {
                    union.Add(item?.DeepClone());
                }
            }

            var (fromPatch, serverOnlyItems) = Partition(union, patch, null);
            return Normalize(fromPatch, serverOnlyItems, patch, original, null);
        }

        var key = field.MergeKey ?? throw ApiException.BadRequest("cannot merge lists without merge key");
        var backing = serverView;
        var length = backing.Count;
        var items = new List<JsonNode?>();
        var replace = false;
        foreach (var item in patch)
        {
            var map = item as JsonObject ?? throw ApiException.BadRequest($"list element types are not identical: {patch.ToJsonString()}");
            switch (map[Directive]?.GetValue<string>())
            {
                case null:
                    items.Add(map);
                    break;
                case "delete":
                    var value = map[key] ?? throw NoMergeKey(map, key);
                    for (var i = IndexOf(backing, length, value, key); i >= 0; i = IndexOf(backing, length, value, key))
                    {
                        for (var j = i; j < length - 1; j++)
                        {
                            backing[j] = backing[j + 1];
                        }

                        length--;
                    }

                    break;
                case "replace":
                    replace = true;
                    break;
                case "merge":
                    throw ApiException.BadRequest("merging lists cannot yet be specified in the patch");
                case var other:
                    throw ApiException.BadRequest($"unknown patch type: {other} in map: {map.ToJsonString()}");
            }
        }

        if (replace)
        {
            return new JsonArray([.. items.Select(static i => (JsonNode?)Strip(i!))]);
        }

        var remaining = length;
        List<JsonNode?>? grown = null;
        foreach (var item in items)
        {
            var map = (JsonObject)item!;
            var value = map[key] ?? throw NoMergeKey(map, key);
            var list = grown ?? backing;
            var index = IndexOf(list, grown?.Count ?? length, value, key);
            if (index >= 0)
            {
                list[index] = MergeMap((JsonObject)list[index]!.DeepClone(), map, field.Type);
            }
            else if (grown is null && length < backing.Count)
            {
                backing[length++] = Strip(map);
            }
            else
            {
                grown ??= [.. backing.Take(length)];
                grown.Add(Strip(map));
            }
        }

        var merged = grown ?? [.. backing.Take(length)];
        var patchOrder = new JsonArray([.. items.Select(static i => i!.DeepClone())]);
        var (patched, serverOnly) = Partition(merged, patchOrder, key);
        return Normalize(patched, serverOnly, patchOrder, [.. backing.Take(remaining)], key);
    }

    private static int IndexOf(List<JsonNode?> list, int length, JsonNode value, string key)
    {
        for (var i = 0; i < length; i++)
        {
            if (JsonNode.DeepEquals(list[i]?[key], value))
            {
                return i;
            }
        }

        return -1;
    }

    // Splits merged items into those named by `by` and those only the server has.
    private static (List<JsonNode?> Named, List<JsonNode?> ServerOnly) Partition(IEnumerable<JsonNode?> merged, JsonArray by, string? mergeKey)
    {
        var named = new List<JsonNode?>();
        var serverOnly = new List<JsonNode?>();
        foreach (var item in merged)
        {
            (by.Any(b => Same(item, b, mergeKey)) ? named : serverOnly).Add(item);
        }

        return (named, serverOnly);
    }

    // normalizeElementOrder: patch items in the patch's (or $setElementOrder's) order, server-only items in the live order,
    // then interleaved: a server-only item goes first when the live list had it before the next patch item.
    private static JsonArray Normalize(List<JsonNode?> patched, List<JsonNode?> serverOnly, JsonArray patchOrder, IList<JsonNode?> serverOrder, string? mergeKey)
    {
        var left = serverOnly.OrderBy(i => IndexOf(serverOrder, i, mergeKey)).ToList();
        var right = patched.OrderBy(i => IndexOf(patchOrder, i, mergeKey)).ToList();
        var result = new JsonArray();
        int l = 0, r = 0;
        while (l < left.Count || r < right.Count)
        {
            var takeLeft = r >= right.Count ||
                (l < left.Count && IndexOf(serverOrder, left[l], mergeKey) is var li and >= 0 && IndexOf(serverOrder, right[r], mergeKey) is var ri and >= 0 && li < ri);
            var item = takeLeft ? left[l++] : right[r++];
            result.Add(item?.Parent is null ? item : item.DeepClone());
        }

        return result;
    }

    private static int IndexOf(IList<JsonNode?> list, JsonNode? item, string? mergeKey)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (Same(list[i], item, mergeKey))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool Same(JsonNode? a, JsonNode? b, string? mergeKey) =>
        mergeKey is null ? JsonNode.DeepEquals(a, b) : a is JsonObject && b is JsonObject && a[mergeKey] is { } key && JsonNode.DeepEquals(key, b[mergeKey]);

    private static ApiException NoMergeKey(JsonObject map, string key) =>
        ApiException.BadRequest($"map: {map.ToJsonString()} does not contain declared merge key: {key}");

    private static JsonObject Without(JsonObject map, string key)
    {
        var copy = (JsonObject)map.DeepClone();
        copy.Remove(key);
        return copy;
    }

    // What decoding into the typed object leaves of a value taken from the patch as it is: no directives.
    private static JsonNode? Strip(JsonNode? value) => value switch
    {
        JsonObject map => Strip(map),
        JsonArray list => Strip(list),
        _ => value?.DeepClone(),
    };

    private static JsonObject Strip(JsonObject map)
    {
        var result = new JsonObject();
        foreach (var (key, value) in map)
        {
            if (!key.StartsWith('$'))
            {
                result[key] = Strip(value);
            }
        }

        return result;
    }

    private static JsonArray Strip(JsonArray list) =>
        new([.. list.Where(static i => i is not JsonObject o || o.Any(static p => !p.Key.StartsWith('$'))).Select(static i => Strip(i))]);
}
