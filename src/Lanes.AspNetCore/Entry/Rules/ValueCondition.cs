using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Lanes.AspNetCore.Entry.Rules;

/// <summary>One compiled header, query parameter or cookie condition: the whole value, exactly or by an anchored pattern.</summary>
internal sealed class ValueCondition(ConditionKind kind, string name, string value, Regex? pattern)
{
    public ConditionKind Kind { get; } = kind;

    public string Name { get; } = name;

    public string Value { get; } = value;

    public bool IsPattern => pattern is not null;

    public bool Matches(HttpRequest request)
    {
        switch (Kind)
        {
            case ConditionKind.Header:
                return request.Headers.TryGetValue(Name, out var headerValues) && AnyMatches(headerValues);
            case ConditionKind.QueryParameter:
                return request.Query.TryGetValue(Name, out var queryValues) && AnyMatches(queryValues);
            default:
                return request.Cookies.TryGetValue(Name, out var cookie) && cookie is not null && ValueMatches(cookie);
        }
    }

    private bool AnyMatches(StringValues values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is { } value && ValueMatches(value))
            {
                return true;
            }
        }

        return false;
    }

    private bool ValueMatches(string value) =>
        pattern is null ? string.Equals(value, Value, StringComparison.Ordinal) : pattern.IsMatch(value);

    public override string ToString()
    {
        var what = Kind switch
        {
            ConditionKind.Header => "header",
            ConditionKind.QueryParameter => "query",
            _ => "cookie",
        };
        return IsPattern ? $"{what} {Name} ~ /{Value}/" : $"{what} {Name} = {Value}";
    }
}
