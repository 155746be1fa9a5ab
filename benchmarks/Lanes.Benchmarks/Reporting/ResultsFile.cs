using System.Text;

namespace Lanes.Benchmarks.Reporting;

/// <summary>
/// <c>benchmarks/RESULTS.md</c>: sections between <c>&lt;!-- begin NAME --&gt;</c> and <c>&lt;!-- end NAME --&gt;</c>
/// markers, each rewritten by the script that measures it, so no figure in the file is typed by hand.
/// </summary>
internal static class ResultsFile
{
    public static string PathFromRepository() =>
        Path.Combine(FindRepository(), "benchmarks", "RESULTS.md");

    public static void WriteSection(string name, string content)
    {
        var path = PathFromRepository();
        var text = File.Exists(path) ? File.ReadAllText(path) : "# Benchmark results\n";
        var begin = $"<!-- begin {name} -->";
        var end = $"<!-- end {name} -->";
        var section = new StringBuilder().Append(begin).Append('\n').Append(content.TrimEnd()).Append('\n').Append(end).ToString();
        var start = text.IndexOf(begin, StringComparison.Ordinal);
        var stop = text.IndexOf(end, StringComparison.Ordinal);
        text = start >= 0 && stop > start
            ? string.Concat(text.AsSpan(0, start), section, text.AsSpan(stop + end.Length))
            : text.TrimEnd() + "\n\n" + section + "\n";
        File.WriteAllText(path, text);
        Console.WriteLine($"wrote section '{name}' of {path}");
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Lanes.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Run from inside the repository: Lanes.sln was not found above the current directory.");
    }
}
