using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Lanes.AspNetCore.Entry.Rules;

/// <summary>A compiled path condition: exact, by path elements (Gateway API's <c>PathPrefix</c>), or an anchored pattern.</summary>
internal sealed class PathCondition(string type, string value, Regex? pattern)
{
    // "/api/" and "/api" are the same prefix; "/" matches everything.
    private readonly string _prefix = value.Length > 1 ? value.TrimEnd('/') : value;

    public bool Matches(HttpRequest request)
    {
        var path = request.PathBase.HasValue ? request.PathBase.Add(request.Path).Value! : request.Path.Value ?? "/";
        if (path.Length == 0)
        {
            path = "/";
        }

        if (pattern is not null)
        {
            return pattern.IsMatch(path);
        }

        if (ReferenceEquals(type, MatchTypes.Exact))
        {
            return string.Equals(path, value, StringComparison.Ordinal);
        }

        return _prefix.Length == 1
            || (path.StartsWith(_prefix, StringComparison.Ordinal) && (path.Length == _prefix.Length || path[_prefix.Length] == '/'));
    }

    public override string ToString() => pattern is not null ? $"path ~ /{value}/" : ReferenceEquals(type, MatchTypes.Exact) ? $"path = {value}" : $"path {_prefix}/*";
}
