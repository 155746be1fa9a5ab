using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Analysis;

/// <summary>Reads a Rollout's analysis annotations; the seed's Rollout YAML stays unchanged.</summary>
internal static class AnalysisAnnotations
{
    public const int MaxTemplates = 8;

    /// <summary>The templates named by <c>lanes.dev/analysis</c> (comma-separated), or none.</summary>
    public static List<string>? Templates(Rollout rollout) =>
        rollout.Metadata.Annotations is { } annotations && annotations.TryGetValue(AnalysisNames.AnalysisAnnotation, out var text) && Names(text) is { Count: > 0 } names
            ? names
            : null;

    /// <summary>The distinct template names of an annotation value, at most <see cref="MaxTemplates"/>.</summary>
    public static List<string> Names(string? annotation)
    {
        var names = new List<string>();
        if (string.IsNullOrWhiteSpace(annotation))
        {
            return names;
        }

        foreach (var part in annotation.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!names.Contains(part) && names.Count < MaxTemplates)
            {
                names.Add(part);
            }
        }

        return names;
    }

    /// <summary>
    /// The argument values: the controller's own (<c>rollout</c>, <c>namespace</c>), then <c>lanes.dev/analysis-args</c>
    /// (<c>name=value</c>, comma-separated; a value may not hold a comma).
    /// </summary>
    public static bool TryArgs(Rollout rollout, out Dictionary<string, string> args, out string? problem)
    {
        args = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["rollout"] = rollout.Metadata.Name,
            ["namespace"] = rollout.Metadata.NamespaceProperty ?? "default",
        };
        problem = null;
        if (rollout.Metadata.Annotations is not { } annotations || !annotations.TryGetValue(AnalysisNames.ArgsAnnotation, out var text) || string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        foreach (var pair in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                problem = $"annotation {AnalysisNames.ArgsAnnotation}: '{pair}' is not name=value";
                return false;
            }

            args[pair[..equals].Trim()] = pair[(equals + 1)..].Trim();
        }

        return true;
    }
}
