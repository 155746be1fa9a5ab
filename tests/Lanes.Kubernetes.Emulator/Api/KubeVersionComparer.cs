using System.Globalization;
using System.Text.RegularExpressions;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// Kubernetes' version priority (GA before beta before alpha, higher numbers first, others alphabetically after),
/// which picks a CRD group's preferred version:
/// https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definition-versioning/#version-priority
/// </summary>
internal sealed partial class KubeVersionComparer : IComparer<string>
{
    public static KubeVersionComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        var a = Rank(x ?? "");
        var b = Rank(y ?? "");
        if (a.Stage != b.Stage)
        {
            return a.Stage.CompareTo(b.Stage);
        }

        if (a.Stage == 3)
        {
            return string.CompareOrdinal(x, y);
        }

        return a.Major != b.Major ? b.Major.CompareTo(a.Major) : b.Minor.CompareTo(a.Minor);
    }

    private static (int Stage, int Major, int Minor) Rank(string version)
    {
        var match = KubeVersion().Match(version);
        if (!match.Success)
        {
            return (3, 0, 0);
        }

        var major = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var minor = match.Groups[3].Success ? int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture) : 0;
        return match.Groups[2].Value switch
        {
            "" => (0, major, 0),
            "beta" => (1, major, minor),
            _ => (2, major, minor),
        };
    }

    [GeneratedRegex("^v([1-9][0-9]*)(?:(alpha|beta)([1-9][0-9]*))?$")]
    private static partial Regex KubeVersion();
}
