using System.Runtime.InteropServices;

namespace Lanes.Demo;

/// <summary>POSIX kill(2): Process.Kill only sends SIGKILL, which gives a host no chance to deregister.</summary>
internal static partial class NativeMethods
{
    public const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);
}
