namespace Lanes.Cli;

/// <summary>Process exit codes, as kubectl uses them: 0 done, 1 anything that went wrong.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    public const int Error = 1;
}
