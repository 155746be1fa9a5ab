namespace Lanes.Nacos.Client;

/// <summary>A Nacos service: its group and name; the server stores it as <c>group@@name</c>.</summary>
internal readonly record struct NacosServiceName(string Group, string Name)
{
    public const string Separator = "@@";

    /// <summary>The grouped name, <c>group@@name</c>, as the server reports it.</summary>
    public string Grouped => string.Concat(Group, Separator, Name);

    /// <summary>Parses <c>name</c> (in <paramref name="defaultGroup"/>) or <c>group@@name</c>.</summary>
    public static bool TryParse(string? value, string defaultGroup, out NacosServiceName name)
    {
        name = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var separator = value.IndexOf(Separator, StringComparison.Ordinal);
        if (separator < 0)
        {
            name = new NacosServiceName(defaultGroup, value);
            return !string.IsNullOrWhiteSpace(defaultGroup);
        }

        var group = value[..separator];
        var service = value[(separator + Separator.Length)..];
        if (group.Length == 0 || service.Length == 0 || service.Contains(Separator, StringComparison.Ordinal))
        {
            return false;
        }

        name = new NacosServiceName(group, service);
        return true;
    }

    public override string ToString() => Grouped;
}
