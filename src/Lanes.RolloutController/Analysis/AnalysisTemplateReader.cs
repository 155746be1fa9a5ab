using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Lanes.RolloutController.Analysis;

/// <summary>
/// Reads an <c>AnalysisTemplate</c> document into a validated <see cref="AnalysisTemplate"/>. Never throws: a template
/// that cannot be used gives the first problem, naming its field (<c>spec.metrics[0].successCondition: ...</c>).
/// </summary>
internal static partial class AnalysisTemplateReader
{
    public const int MaxMetrics = 16;
    public const int MaxCount = 100;
    public static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public static bool TryRead(JsonNode? document, out AnalysisTemplate? template, out string? error)
    {
        template = null;
        try
        {
            return Read(document, out template, out error);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            // A value of the wrong JSON kind (a number where a string belongs, an array for an object).
            error = "spec: " + e.Message;
            return false;
        }
    }

    private static bool Read(JsonNode? document, out AnalysisTemplate? template, out string? error)
    {
        template = null;
        var name = document?["metadata"]?["name"]?.GetValue<string>() ?? "";
        if (document?["spec"] is not JsonObject spec)
        {
            error = "spec: is required";
            return false;
        }

        var args = new List<AnalysisArg>();
        if (spec["args"] is JsonArray argArray)
        {
            for (var i = 0; i < argArray.Count; i++)
            {
                var argName = argArray[i]?["name"]?.GetValue<string>();
                if (string.IsNullOrEmpty(argName) || !ArgName().IsMatch(argName))
                {
                    error = string.Create(CultureInfo.InvariantCulture, $"spec.args[{i}].name: must be letters, digits, '_' or '-', starting with a letter");
                    return false;
                }

                if (args.Exists(a => a.Name == argName))
                {
                    error = string.Create(CultureInfo.InvariantCulture, $"spec.args[{i}].name: {argName} is declared twice");
                    return false;
                }

                args.Add(new AnalysisArg(argName, argArray[i]?["value"] is JsonValue v ? ScalarText(v) : null));
            }
        }
        else if (spec["args"] is not null)
        {
            error = "spec.args: must be a list";
            return false;
        }

        if (spec["metrics"] is not JsonArray metricArray || metricArray.Count == 0)
        {
            error = "spec.metrics: at least one metric is required";
            return false;
        }

        if (metricArray.Count > MaxMetrics)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"spec.metrics: at most {MaxMetrics} metrics");
            return false;
        }

        var metrics = new List<AnalysisMetric>(metricArray.Count);
        for (var i = 0; i < metricArray.Count; i++)
        {
            var field = string.Create(CultureInfo.InvariantCulture, $"spec.metrics[{i}]");
            if (!ReadMetric(metricArray[i] as JsonObject, field, args, out var metric, out error))
            {
                return false;
            }

            if (metrics.Exists(m => m.Name == metric!.Name))
            {
                error = $"{field}.name: {metric!.Name} is used twice";
                return false;
            }

            metrics.Add(metric!);
        }

        template = new AnalysisTemplate(name, args, metrics);
        error = null;
        return true;
    }

    private static bool ReadMetric(JsonObject? m, string field, List<AnalysisArg> args, out AnalysisMetric? metric, out string? error)
    {
        metric = null;
        if (m is null)
        {
            error = field + ": must be an object";
            return false;
        }

        var name = m["name"]?.GetValue<string>();
        if (string.IsNullOrWhiteSpace(name) || name.Length > 63)
        {
            error = field + ".name: is required (at most 63 characters)";
            return false;
        }

        var count = m["count"]?.GetValue<int>() ?? 1;
        if (count < 1 || count > MaxCount)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"{field}.count: must be between 1 and {MaxCount}, not {count}");
            return false;
        }

        var interval = TimeSpan.Zero;
        if (m["interval"] is { } intervalNode)
        {
            var text = ScalarText(intervalNode.AsValue());
            if (!TryParseDuration(text, out interval) || interval <= TimeSpan.Zero || interval > MaxInterval)
            {
                error = $"{field}.interval: '{text}' is not a duration between 1ms and 1h (like 30s, 1m, 500ms)";
                return false;
            }
        }
        else if (count > 1)
        {
            error = field + ".interval: is required when count is more than 1";
            return false;
        }

        if (!ReadLimit(m, "failureLimit", 0, field, out var failureLimit, out error) ||
            !ReadLimit(m, "inconclusiveLimit", 0, field, out var inconclusiveLimit, out error) ||
            !ReadLimit(m, "consecutiveErrorLimit", 4, field, out var errorLimit, out error))
        {
            return false;
        }

        var success = m["successCondition"] is { } s ? ScalarText(s.AsValue()) : null;
        var failure = m["failureCondition"] is { } f ? ScalarText(f.AsValue()) : null;
        if (success is not null && !CheckCondition(success, field + ".successCondition", args, out error))
        {
            return false;
        }

        if (failure is not null && !CheckCondition(failure, field + ".failureCondition", args, out error))
        {
            return false;
        }

        if (success is null && failure is null)
        {
            error = field + ": successCondition or failureCondition is required";
            return false;
        }

        if (m["provider"]?["prometheus"] is not JsonObject prometheus)
        {
            error = field + ".provider.prometheus: is required (the only provider)";
            return false;
        }

        var address = prometheus["address"]?.GetValue<string>();
        if (!CheckArgs(address ?? "", field + ".provider.prometheus.address", args, out error))
        {
            return false;
        }

        if (!ArgReference().IsMatch(address ?? "") && !IsHttpUrl(address, out _))
        {
            error = $"{field}.provider.prometheus.address: '{address}' is not an http(s) URL";
            return false;
        }

        var query = prometheus["query"]?.GetValue<string>();
        if (string.IsNullOrWhiteSpace(query))
        {
            error = field + ".provider.prometheus.query: is required";
            return false;
        }

        if (!CheckArgs(query, field + ".provider.prometheus.query", args, out error))
        {
            return false;
        }

        var timeout = DefaultTimeout;
        if (prometheus["timeout"] is { } timeoutNode)
        {
            var text = ScalarText(timeoutNode.AsValue());
            if (!TryParseDuration(text, out timeout) || timeout <= TimeSpan.Zero || timeout > TimeSpan.FromMinutes(5))
            {
                error = $"{field}.provider.prometheus.timeout: '{text}' is not a duration between 1ms and 5m";
                return false;
            }
        }

        metric = new AnalysisMetric(name, interval, count, failureLimit, inconclusiveLimit, errorLimit, success, failure, new PrometheusQuery(address!, query, timeout));
        error = null;
        return true;
    }

    /// <summary>
    /// The template's metrics with every <c>{{args.name}}</c> filled in: values given (a Rollout's) first, then the
    /// template's defaults. A declared argument with no value is an error naming it; so is a condition that no longer
    /// parses once filled in (a threshold that is not a number).
    /// </summary>
    public static bool TryBind(AnalysisTemplate template, IReadOnlyDictionary<string, string> values, out IReadOnlyList<BoundMetric>? metrics, out string? error)
    {
        metrics = null;
        var bound = new List<BoundMetric>(template.Metrics.Count);
        for (var i = 0; i < template.Metrics.Count; i++)
        {
            var metric = template.Metrics[i];
            var field = string.Create(CultureInfo.InvariantCulture, $"AnalysisTemplate {template.Name}: spec.metrics[{i}]");
            if (!TrySubstitute(metric.Prometheus.Address, template, values, out var address, out error) || !IsHttpUrl(address, out var uri))
            {
                error = error is null ? $"{field}.provider.prometheus.address: '{address}' is not an http(s) URL" : $"{field}.provider.prometheus.address: {error}";
                return false;
            }

            if (!TrySubstitute(metric.Prometheus.Query, template, values, out var query, out error) ||
                !TryBindCondition(metric.SuccessCondition, template, values, field + ".successCondition", out var success, out error) ||
                !TryBindCondition(metric.FailureCondition, template, values, field + ".failureCondition", out var failure, out error))
            {
                error = error!.StartsWith("AnalysisTemplate", StringComparison.Ordinal) ? error : $"{field}.provider.prometheus.query: {error}";
                return false;
            }

            bound.Add(new BoundMetric(template.Name, metric, uri!, query!, success, failure));
        }

        metrics = bound;
        error = null;
        return true;
    }

    private static bool TryBindCondition(string? text, AnalysisTemplate template, IReadOnlyDictionary<string, string> values, string field, out AnalysisCondition? condition, out string? error)
    {
        condition = null;
        error = null;
        if (text is null)
        {
            return true;
        }

        if (!TrySubstitute(text, template, values, out var filled, out error))
        {
            error = $"{field}: {error}";
            return false;
        }

        if (!AnalysisCondition.TryParse(filled, out condition, out var problem))
        {
            error = $"{field}: '{filled}' {problem}";
            return false;
        }

        return true;
    }

    /// <summary>Replaces every <c>{{args.name}}</c> in <paramref name="text"/>; a declared argument with no value is an error naming it.</summary>
    public static bool TrySubstitute(string text, AnalysisTemplate template, IReadOnlyDictionary<string, string> values, out string? result, out string? error)
    {
        string? missing = null;
        result = ArgReference().Replace(text, match =>
        {
            var name = match.Groups[1].Value;
            if (values.TryGetValue(name, out var given))
            {
                return given;
            }

            foreach (var arg in template.Args)
            {
                if (arg.Name == name && arg.Value is not null)
                {
                    return arg.Value;
                }
            }

            missing ??= name;
            return match.Value;
        });
        if (missing is not null)
        {
            result = null;
            error = $"argument {missing} has no value: give it in the Rollout's {AnalysisNames.ArgsAnnotation} annotation or as a default in spec.args";
            return false;
        }

        error = null;
        return true;
    }

    // Every {{args.x}} is declared, and the condition parses with each argument standing for a number.
    private static bool CheckCondition(string text, string field, List<AnalysisArg> args, out string? error)
    {
        if (!CheckArgs(text, field, args, out error))
        {
            return false;
        }

        if (!AnalysisCondition.TryParse(ArgReference().Replace(text, "0"), out _, out var problem))
        {
            error = $"{field}: {problem}";
            return false;
        }

        return true;
    }

    private static bool CheckArgs(string text, string field, List<AnalysisArg> args, out string? error)
    {
        foreach (Match reference in ArgReference().Matches(text))
        {
            var argName = reference.Groups[1].Value;
            if (!args.Exists(a => a.Name == argName))
            {
                error = $"{field}: uses {{{{args.{argName}}}}}, which spec.args does not declare";
                return false;
            }
        }

        error = null;
        return true;
    }

    /// <summary>Go-style durations as Argo writes them: <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>1m30s</c>.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text) || text.Length > 32)
        {
            return false;
        }

        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (i == start || !double.TryParse(text.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }

            var unit = text.AsSpan(unitStart, i - unitStart);
            double? ms = unit switch
            {
                "ms" => number,
                "s" => number * 1000,
                "m" => number * 60_000,
                "h" => number * 3_600_000,
                _ => null,
            };
            if (ms is null)
            {
                return false;
            }

            duration += TimeSpan.FromMilliseconds(ms.Value);
        }

        return true;
    }

    private static bool IsHttpUrl(string? text, out Uri? uri)
    {
        uri = null;
        return !string.IsNullOrEmpty(text) && Uri.TryCreate(text, UriKind.Absolute, out uri) && uri.Scheme is "http" or "https";
    }

    private static bool ReadLimit(JsonObject m, string name, int fallback, string field, out int value, out string? error)
    {
        value = m[name]?.GetValue<int>() ?? fallback;
        if (value < 0 || value > MaxCount)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"{field}.{name}: must be between 0 and {MaxCount}, not {value}");
            return false;
        }

        error = null;
        return true;
    }

    private static string? ScalarText(JsonValue value) =>
        value.TryGetValue<string>(out var s) ? s : value.ToJsonString();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_-]{0,62}$")]
    private static partial Regex ArgName();

    [GeneratedRegex(@"\{\{\s*args\.([A-Za-z][A-Za-z0-9_-]*)\s*\}\}")]
    private static partial Regex ArgReference();
}
