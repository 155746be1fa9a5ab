namespace Lanes.Cli;

/// <summary>Where a command writes, and whether a person is watching (a terminal gets the live view, anything else plain lines).</summary>
/// <param name="Out">Standard output: results only, so scripts can parse them.</param>
/// <param name="Error">Standard error: the one-line error of a failed command.</param>
/// <param name="IsTerminal">Standard output is an interactive terminal.</param>
internal sealed record CliConsole(TextWriter Out, TextWriter Error, bool IsTerminal)
{
    public static CliConsole FromProcess() => new(Console.Out, Console.Error, !Console.IsOutputRedirected);
}
