using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>The equality subset of Kubernetes label selectors: <c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a</c>, <c>!a</c>.</summary>
public sealed class LabelSelector
{
    private readonly List<(string Key, string? Value, bool Negate)> _terms = [];

    public static LabelSelector? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var selector = new LabelSelector();
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw.Contains("!=", StringComparison.Ordinal))
            {
                var parts = raw.Split("!=", 2);
                selector._terms.Add((parts[0].Trim(), parts[1].Trim(), true));
            }
            else if (raw.Contains('=', StringComparison.Ordinal))
            {
                var parts = raw.Split('=', 2);
                selector._terms.Add((parts[0].Trim(), parts[1].TrimStart('=').Trim(), false));
            }
            else if (raw.StartsWith('!'))
            {
                selector._terms.Add((raw[1..], null, true));
            }
            else
            {
                selector._terms.Add((raw, null, false));
            }
        }

        return selector;
    }

    public bool Matches(JsonObject obj)
    {
        var labels = obj["metadata"]?["labels"] as JsonObject;
        foreach (var (key, value, negate) in _terms)
        {
            var actual = labels?[key]?.GetValue<string>();
            var match = value is null ? actual is not null : actual == value;
            if (match == negate)
            {
                return false;
            }
        }

        return true;
    }
}
