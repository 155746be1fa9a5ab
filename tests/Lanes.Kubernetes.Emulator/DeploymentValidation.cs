using System.Globalization;
using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// The API server's defaults and validation of an apps/v1 Deployment's spec (k8s.io/kubernetes pkg/apis/apps/v1/defaults.go
/// and pkg/apis/apps/validation/validation.go; https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#writing-a-deployment-spec):
/// replicas 1, strategy RollingUpdate with maxSurge and maxUnavailable 25%, revisionHistoryLimit 10, progressDeadlineSeconds 600;
/// maxSurge and maxUnavailable may not both be 0, percentages are <c>[0-9]+%</c>, maxUnavailable at most 100%.
/// </summary>
internal static class DeploymentValidation
{
    private const string Kind = "Deployment.apps";
    private const string PercentMessage = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

    public static void Default(JsonObject deployment)
    {
        var spec = deployment["spec"] as JsonObject ?? [];
        deployment["spec"] = spec;
        spec["replicas"] ??= 1;
        spec["revisionHistoryLimit"] ??= 10;
        spec["progressDeadlineSeconds"] ??= 600;
        var strategy = spec["strategy"] as JsonObject ?? [];
        spec["strategy"] = strategy;
        strategy["type"] ??= "RollingUpdate";
        if (strategy["type"]?.GetValue<string>() == "RollingUpdate")
        {
            var rollingUpdate = strategy["rollingUpdate"] as JsonObject ?? [];
            strategy["rollingUpdate"] = rollingUpdate;
            rollingUpdate["maxSurge"] ??= "25%";
            rollingUpdate["maxUnavailable"] ??= "25%";
        }
    }

    public static void Validate(string name, JsonObject deployment)
    {
        var errors = new List<string>();
        var spec = deployment["spec"] as JsonObject ?? [];
        Nonnegative(spec["replicas"], "spec.replicas", errors);
        Nonnegative(spec["minReadySeconds"], "spec.minReadySeconds", errors);
        Nonnegative(spec["revisionHistoryLimit"], "spec.revisionHistoryLimit", errors);
        if (JsonNumbers.ReadLong(spec["progressDeadlineSeconds"]) is { } deadline)
        {
            Nonnegative(spec["progressDeadlineSeconds"], "spec.progressDeadlineSeconds", errors);
            if (deadline <= (JsonNumbers.ReadLong(spec["minReadySeconds"]) ?? 0))
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"spec.progressDeadlineSeconds: Invalid value: {deadline}: must be greater than minReadySeconds"));
            }
        }

        var strategy = spec["strategy"] as JsonObject ?? [];
        switch (strategy["type"]?.GetValue<string>())
        {
            case "Recreate":
                if (strategy["rollingUpdate"] is not null)
                {
                    errors.Add("spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'");
                }

                break;
            case "RollingUpdate":
                ValidateRollingUpdate(strategy["rollingUpdate"] as JsonObject ?? [], errors);
                break;
            case var type:
                errors.Add($"spec.strategy: Unsupported value: \"{type}\": supported values: \"Recreate\", \"RollingUpdate\"");
                break;
        }

        if (errors.Count > 0)
        {
            throw ApiException.Invalid(Kind, name, errors.Count == 1 ? errors[0] : "[" + string.Join(", ", errors) + "]");
        }
    }

    private static void ValidateRollingUpdate(JsonObject rollingUpdate, List<string> errors)
    {
        const string Path = "spec.strategy.rollingUpdate.";
        var maxUnavailable = rollingUpdate["maxUnavailable"];
        var maxSurge = rollingUpdate["maxSurge"];
        IntOrPercent(maxUnavailable, Path + "maxUnavailable", errors);
        IntOrPercent(maxSurge, Path + "maxSurge", errors);
        if (Value(maxUnavailable) == 0 && Value(maxSurge) == 0)
        {
            errors.Add($"{Path}maxUnavailable: Invalid value: {Print(maxUnavailable)}: may not be 0 when `maxSurge` is 0");
        }

        if (maxUnavailable is JsonValue v && v.TryGetValue<string>(out var text) && DeploymentStrategy.TryParsePercent(text) > 100)
        {
            errors.Add($"{Path}maxUnavailable: Invalid value: {Print(maxUnavailable)}: must not be greater than 100%");
        }
    }

    private static void IntOrPercent(JsonNode? value, string path, List<string> errors)
    {
        if (value is null)
        {
            return;
        }

        if (value is JsonValue v && v.TryGetValue<string>(out var text))
        {
            if (DeploymentStrategy.TryParsePercent(text) is null)
            {
                errors.Add($"{path}: Invalid value: {Print(value)}: {PercentMessage}");
            }
        }
        else
        {
            Nonnegative(value, path, errors);
        }
    }

    // getIntOrPercentValue: the number of an int or of a percentage.
    private static int? Value(JsonNode? value) =>
        value is JsonValue v && v.TryGetValue<string>(out var text) ? DeploymentStrategy.TryParsePercent(text) : JsonNumbers.ReadInt(value);

    private static void Nonnegative(JsonNode? value, string path, List<string> errors)
    {
        if (JsonNumbers.ReadLong(value) is < 0 and var number)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: Invalid value: {number}: must be greater than or equal to 0"));
        }
    }

    private static string Print(JsonNode? value) => value?.ToJsonString() ?? "null";
}
