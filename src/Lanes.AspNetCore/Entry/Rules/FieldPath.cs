using System.Globalization;

namespace Lanes.AspNetCore.Entry.Rules;

/// <summary>
/// Names the field an error is about, in the words of the place the rule came from: configuration keys
/// (<c>Lanes:Entry:Rules:0:Matches:0:Headers:0:Value</c>) or a rules file's JSON path (<c>gray.json: matches[0].headers[0].value</c>).
/// </summary>
internal readonly struct FieldPath
{
    private readonly string _prefix;
    private readonly string _path;
    private readonly bool _json;

    private FieldPath(string prefix, string path, bool json)
    {
        _prefix = prefix;
        _path = path;
        _json = json;
    }

    /// <summary>A configuration key such as <c>Lanes:Entry:Rules:0</c>.</summary>
    public static FieldPath Configuration(string key) => new(string.Empty, key, json: false);

    /// <summary>The root of a rules file.</summary>
    public static FieldPath File(string fileName) => new(fileName + ": ", string.Empty, json: true);

    public bool IsFile => _json;

    public FieldPath Field(string pascalName)
    {
        if (!_json)
        {
            return new(_prefix, $"{_path}:{pascalName}", json: false);
        }

        var camel = string.Concat(char.ToLowerInvariant(pascalName[0]).ToString(), pascalName.AsSpan(1));
        return new(_prefix, _path.Length == 0 ? camel : $"{_path}.{camel}", json: true);
    }

    public FieldPath Index(int index) => _json
        ? new(_prefix, string.Create(CultureInfo.InvariantCulture, $"{_path}[{index}]"), json: true)
        : new(_prefix, string.Create(CultureInfo.InvariantCulture, $"{_path}:{index}"), json: false);

    public override string ToString() => _json && _path.Length == 0 ? _prefix.TrimEnd(' ', ':') : _prefix + _path;
}
