using Microsoft.AspNetCore.Http;

namespace Lanes.AspNetCore.Entry.Rules;

/// <summary>One alternative of a rule: the path and every value condition must hold.</summary>
internal sealed class EntryMatch(PathCondition? path, ValueCondition[] conditions)
{
    public bool Matches(HttpRequest request)
    {
        if (path is not null && !path.Matches(request))
        {
            return false;
        }

        for (var i = 0; i < conditions.Length; i++)
        {
            if (!conditions[i].Matches(request))
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString()
    {
        var parts = new List<string>(conditions.Length + 1);
        if (path is not null)
        {
            parts.Add(path.ToString());
        }

        foreach (var condition in conditions)
        {
            parts.Add(condition.ToString());
        }

        return string.Join(" and ", parts);
    }
}
