using Microsoft.AspNetCore.Http;

namespace Lanes.AspNetCore.Entry.Rules;

/// <summary>One compiled rule: matches (OR of ANDs), an optional share, and the header edits applied on a match.</summary>
internal sealed class EntryRule(
    string name,
    string source,
    Lane lane,
    EntryMatch[] matches,
    PercentGate? gate,
    KeyValuePair<string, string>[] set,
    KeyValuePair<string, string>[] add,
    string[] remove,
    string laneHeader)
{
    /// <summary>The rule's name for logs and the diagnostics page.</summary>
    public string Name { get; } = name;

    /// <summary>Where the rule came from: <c>configuration</c> or the rules file's name.</summary>
    public string Source { get; } = source;

    public Lane Lane { get; } = lane;

    public bool Matches(HttpRequest request) =>
        (matches.Length == 0 || AnyMatch(request)) && (gate is null || gate.Admits(request));

    private bool AnyMatch(HttpRequest request)
    {
        for (var m = 0; m < matches.Length; m++)
        {
            if (matches[m].Matches(request))
            {
                return true;
            }
        }

        return false;
    }

    public void Modify(IHeaderDictionary headers)
    {
        for (var i = 0; i < remove.Length; i++)
        {
            headers.Remove(remove[i]);
        }

        for (var i = 0; i < set.Length; i++)
        {
            headers[set[i].Key] = set[i].Value;
        }

        for (var i = 0; i < add.Length; i++)
        {
            headers.Append(add[i].Key, add[i].Value);
        }

        // A rule that names its lane without setting the header still has to carry it downstream.
        if (!Lane.IsBase)
        {
            headers[laneHeader] = Lane.Name;
        }
    }

    /// <summary>What the rule matches, in words, for the diagnostics page.</summary>
    public string Describe()
    {
        var parts = new List<string>(2);
        if (matches.Length > 0)
        {
            parts.Add(string.Join(" or ", (IEnumerable<EntryMatch>)matches));
        }

        if (gate is not null)
        {
            parts.Add(gate.ToString());
        }

        return string.Join(", then ", parts);
    }
}
