using System.Globalization;
using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// Server-side printing: a list or object as a <c>meta.k8s.io/v1</c> Table when the client asks with
/// <c>Accept: application/json;as=Table;g=meta.k8s.io;v=v1</c>, as <c>kubectl get</c> does
/// (https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables). A custom resource
/// gets its CRD's <c>additionalPrinterColumns</c>
/// (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#additional-printer-columns);
/// without them, and for built-in types without a printer here, Name and Age.
/// </summary>
internal static class TableConverter
{
    private const string NameDescription = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

    public static bool Wants(string? accept) =>
        accept is not null && accept.Split(',').FirstOrDefault()?.Replace(" ", "", StringComparison.Ordinal) is { } first &&
        first.Contains("as=Table", StringComparison.Ordinal) && first.Contains("g=meta.k8s.io", StringComparison.Ordinal) &&
        (first.Contains("v=v1;", StringComparison.Ordinal) || first.EndsWith("v=v1", StringComparison.Ordinal));

    public static JsonObject Convert(ResourceDefinition definition, ResourceVersionDefinition version, IReadOnlyList<JsonObject> items, string resourceVersion, string? includeObject, DateTimeOffset now)
    {
        var columns = Columns(definition, version);
        var rows = new JsonArray();
        foreach (var item in items)
        {
            var cells = new JsonArray();
            foreach (var column in columns)
            {
                cells.Add(column.Cell(item, now));
            }

            var row = new JsonObject { ["cells"] = cells };
            if (includeObject != "None")
            {
                row["object"] = includeObject == "Object" ? item.DeepClone() : new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = item["metadata"]?.DeepClone(),
                };
            }

            rows.Add(row);
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
            ["columnDefinitions"] = new JsonArray([.. columns.Select(static c => (JsonNode)c.Definition())]),
            ["rows"] = rows,
        };
    }

    private static List<Column> Columns(ResourceDefinition definition, ResourceVersionDefinition version)
    {
        var columns = new List<Column> { new("Name", "string", "name", NameDescription, 0, static (o, _) => o["metadata"]?["name"]?.DeepClone()) };
        if (version.PrinterColumns is { } printerColumns)
        {
            foreach (var column in printerColumns.OfType<JsonObject>())
            {
                var type = column["type"]?.GetValue<string>() ?? "string";
                var path = column["jsonPath"]?.GetValue<string>() ?? "";
                columns.Add(new Column(
                    column["name"]?.GetValue<string>() ?? "",
                    type,
                    column["format"]?.GetValue<string>() ?? "",
                    column["description"]?.GetValue<string>() ?? "",
                    JsonNumbers.ReadInt(column["priority"]) ?? 0,
                    (o, now) => CellFor(type, SimpleJsonPath.Find(o, path), now)));
            }

            return columns;
        }

        if (definition.Type == ResourceType.Deployments)
        {
            columns.Add(new("Ready", "string", "", "Number of the pod with ready state", 0, static (o, _) =>
                $"{JsonNumbers.ReadInt(o["status"]?["readyReplicas"]) ?? 0}/{JsonNumbers.ReadInt(o["spec"]?["replicas"]) ?? 1}"));
            columns.Add(new("Up-to-date", "integer", "", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.", 0, static (o, _) =>
                JsonNumbers.ReadInt(o["status"]?["updatedReplicas"]) ?? 0));
            columns.Add(new("Available", "integer", "", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.", 0, static (o, _) =>
                JsonNumbers.ReadInt(o["status"]?["availableReplicas"]) ?? 0));
        }
        else if (definition.Type == ResourceType.Pods)
        {
            columns.Add(new("Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.", 0, static (o, _) =>
            {
                var statuses = o["status"]?["containerStatuses"] as JsonArray ?? [];
                var total = (o["spec"]?["containers"] as JsonArray)?.Count ?? 0;
                return $"{statuses.Count(static s => s?["ready"]?.GetValue<bool>() == true)}/{total}";
            }));
            columns.Add(new("Status", "string", "", "The aggregate status of the containers in this pod.", 0, static (o, _) =>
                o["metadata"]?["deletionTimestamp"] is not null ? "Terminating" : o["status"]?["phase"]?.GetValue<string>() ?? "Pending"));
        }

        columns.Add(new("Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created.", 0, static (o, now) =>
            CellFor("date", o["metadata"]?["creationTimestamp"], now)));
        return columns;
    }

    // As the apiextensions table convertor renders a printer column's value by its type.
    private static JsonNode? CellFor(string type, JsonNode? value, DateTimeOffset now) => value switch
    {
        null => null,
        JsonValue v when type == "date" => v.TryGetValue<string>(out var text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? HumanDuration(now - at)
            : "<invalid>",
        JsonValue v when type == "string" => v.TryGetValue<string>(out var text) ? text : v.ToJsonString(),
        _ => value.DeepClone(),
    };

    /// <summary>k8s.io/apimachinery's duration.HumanDuration, which kubectl's AGE column shows.</summary>
    internal static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < -1)
        {
            return "<invalid>";
        }

        if (seconds < 0)
        {
            return "0s";
        }

        if (seconds < 120)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{seconds}s");
        }

        var minutes = (long)d.TotalMinutes;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? string.Create(CultureInfo.InvariantCulture, $"{minutes}m") : string.Create(CultureInfo.InvariantCulture, $"{minutes}m{s}s");
        }

        if (minutes < 180)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{minutes}m");
        }

        var hours = (long)d.TotalHours;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? string.Create(CultureInfo.InvariantCulture, $"{hours}h") : string.Create(CultureInfo.InvariantCulture, $"{hours}h{m}m");
        }

        if (hours < 48)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{hours}h");
        }

        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? string.Create(CultureInfo.InvariantCulture, $"{hours / 24}d") : string.Create(CultureInfo.InvariantCulture, $"{hours / 24}d{h}h");
        }

        if (hours < 24 * 365 * 2)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{hours / 24}d");
        }

        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? string.Create(CultureInfo.InvariantCulture, $"{hours / 24 / 365}y") : string.Create(CultureInfo.InvariantCulture, $"{hours / 24 / 365}y{dy}d");
        }

        return string.Create(CultureInfo.InvariantCulture, $"{hours / 24 / 365}y");
    }

    private sealed record Column(string Name, string Type, string Format, string Description, int Priority, Func<JsonObject, DateTimeOffset, JsonNode?> Cell)
    {
        public JsonObject Definition() => new()
        {
            ["name"] = Name,
            ["type"] = Type,
            ["format"] = Format,
            ["description"] = Description,
            ["priority"] = Priority,
        };
    }
}
