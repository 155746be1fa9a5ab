using System.Globalization;
using System.Text;
using System.Text.Json;
using Lanes.AspNetCore.Entry.Rules;
using YamlDotNet.Core;

namespace Lanes.AspNetCore.Entry.Files;

/// <summary>
/// Reads one rules file: a Kruise <c>TrafficRouting</c> <c>spec.strategy</c> in JSON or YAML. The lane the file opens is
/// the value its <c>requestHeaderModifier.set</c> gives the lane header. <c>matches</c> and a share
/// (<c>weight</c> or <c>traffic</c>) are alternatives, as in Kruise: matching requests always enter the lane, and the
/// share of the remaining requests does too.
/// </summary>
internal static class RulesFileReader
{
    public static bool IsRulesFileName(string fileName) =>
        fileName.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
        || fileName.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)
        || fileName.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    /// <summary>Compiles the file's rules; problems go to <paramref name="errors"/>, each naming the file and the field.</summary>
    public static List<EntryRule> Read(string fileName, ReadOnlySpan<byte> content, string laneHeader, List<string> errors)
    {
        var root = FieldPath.File(fileName);
        if (!IsRulesFileName(fileName))
        {
            errors.Add($"{fileName}: not a rules file; rules files end in .json, .yaml or .yml and hold one Kruise TrafficRouting strategy.");
            return [];
        }

        var strategy = Parse(fileName, content, errors);
        return strategy is null ? [] : ToRules(strategy, fileName, root, laneHeader, errors);
    }

    private static KruiseStrategy? Parse(string fileName, ReadOnlySpan<byte> content, List<string> errors)
    {
        var json = content;
        if (!fileName.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var node = YamlJson.Convert(Encoding.UTF8.GetString(content));
                json = node is null ? "null"u8.ToArray() : Encoding.UTF8.GetBytes(node.ToJsonString());
            }
            catch (Exception ex) when (ex is YamlException or FormatException)
            {
                errors.Add($"{fileName}: not valid YAML: {Flatten(ex.Message)}");
                return null;
            }
        }

        if (json.Trim(" \t\r\n"u8).IsEmpty)
        {
            errors.Add($"{fileName}: is empty; a rules file holds one Kruise TrafficRouting strategy.");
            return null;
        }

        try
        {
            var strategy = JsonSerializer.Deserialize(json, KruiseJsonContext.Default.KruiseStrategy);
            if (strategy is null)
            {
                errors.Add($"{fileName}: holds null; a rules file holds one Kruise TrafficRouting strategy object.");
            }

            return strategy;
        }
        catch (JsonException ex)
        {
            errors.Add($"{fileName}: {Describe(ex)}");
            return null;
        }
    }

    // "$.matches[0].foo" and the serializer's wording, turned into "matches[0]: unknown field 'foo'".
    private static string Describe(JsonException ex)
    {
        var path = ex.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : null;
        var message = ex.Message;
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            var start = message.IndexOf('\'', StringComparison.Ordinal);
            var end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
            var field = end > start ? message[(start + 1)..end] : "?";
            if (path is not null && path.EndsWith(field, StringComparison.Ordinal))
            {
                path = path[..^field.Length].TrimEnd('.');
            }

            return $"{(string.IsNullOrEmpty(path) ? string.Empty : path + ": ")}unknown field '{field}'; a rules file holds Kruise's TrafficRouting strategy fields only (matches, weight, traffic, requestHeaderModifier).";
        }

        if (ex.InnerException is null && message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return $"{path ?? "the file"}: has the wrong type ({Flatten(message)})";
        }

        return path is null ? $"not valid JSON: {Flatten(message)}" : $"{path}: {Flatten(message)}";
    }

    private static List<EntryRule> ToRules(KruiseStrategy strategy, string fileName, FieldPath root, string laneHeader, List<string> errors)
    {
        var share = Share(strategy, root, errors);
        var rules = new List<EntryRule>(2);
        var matches = strategy.Matches ?? [];
        if (matches.Count > 0)
        {
            var options = Options(strategy);
            foreach (var match in matches)
            {
                options.Matches.Add(Match(match));
            }

            if (EntryRuleCompiler.Compile(options, root, fileName, fileName, laneHeader, errors) is { } rule)
            {
                rules.Add(rule);
            }
        }

        if (share is { } percent)
        {
            var options = Options(strategy);
            options.Percent = percent;
            var name = matches.Count > 0 ? $"{fileName} ({percent.ToString(CultureInfo.InvariantCulture)}%)" : fileName;
            var errorCount = errors.Count;
            var rule = EntryRuleCompiler.Compile(options, root, fileName, name, laneHeader, matches.Count > 0 ? [] : errors);
            if (rule is not null && errors.Count == errorCount)
            {
                rules.Add(rule);
            }
        }

        return rules;
    }

    private static double? Share(KruiseStrategy strategy, FieldPath root, List<string> errors)
    {
        if (strategy.Weight is not null && strategy.Traffic is not null)
        {
            errors.Add($"{root}: both weight (v1alpha1) and traffic (v1beta1) are set; set one.");
            return null;
        }

        if (strategy.Weight is { } weight)
        {
            if (weight is < 0 or > 100)
            {
                errors.Add($"{root.Field("Weight")}: {weight.ToString(CultureInfo.InvariantCulture)} is outside 0 to 100.");
                return null;
            }

            return weight;
        }

        if (strategy.Traffic is not { } traffic)
        {
            return null;
        }

        var text = traffic.AsSpan().Trim();
        if (text.Length < 2 || text[^1] != '%'
            || !double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percent))
        {
            errors.Add($"{root.Field("Traffic")}: '{EntryRuleCompiler.Shorten(traffic)}' is not a percentage such as \"20%\".");
            return null;
        }

        if (percent is < 0 or > 100)
        {
            errors.Add($"{root.Field("Traffic")}: '{traffic}' is outside 0% to 100%.");
            return null;
        }

        return percent;
    }

    private static EntryRuleOptions Options(KruiseStrategy strategy)
    {
        var options = new EntryRuleOptions();
        if (strategy.RequestHeaderModifier is { } modifier)
        {
            foreach (var header in modifier.Set ?? [])
            {
                options.RequestHeaderModifier.Set.Add(new HeaderValueOptions { Name = header?.Name, Value = header?.Value });
            }

            foreach (var header in modifier.Add ?? [])
            {
                options.RequestHeaderModifier.Add.Add(new HeaderValueOptions { Name = header?.Name, Value = header?.Value });
            }

            foreach (var name in modifier.Remove ?? [])
            {
                options.RequestHeaderModifier.Remove.Add(name ?? string.Empty);
            }
        }

        return options;
    }

    private static EntryMatchOptions Match(KruiseRouteMatch? match)
    {
        var options = new EntryMatchOptions();
        if (match is null)
        {
            return options;
        }

        foreach (var header in match.Headers ?? [])
        {
            options.Headers.Add(Value(header));
        }

        foreach (var query in match.QueryParams ?? [])
        {
            options.QueryParams.Add(Value(query));
        }

        if (match.Path is { } path)
        {
            options.Path = new PathMatchOptions { Type = path.Type ?? MatchTypes.PathPrefix, Value = path.Value ?? "/" };
        }

        return options;
    }

    private static ValueMatchOptions Value(KruiseValueMatch? match) =>
        new() { Type = match?.Type ?? MatchTypes.Exact, Name = match?.Name, Value = match?.Value };

    private static string Flatten(string message)
    {
        var line = message.ReplaceLineEndings(" ");
        return line.Length > 300 ? line[..300] + "..." : line;
    }
}
