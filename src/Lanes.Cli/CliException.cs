namespace Lanes.Cli;

/// <summary>A command could not do what was asked; the message is the whole one-line explanation the user sees.</summary>
internal sealed class CliException(string message, int exitCode = ExitCodes.Error, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
