using System.Security.Cryptography;

namespace Lanes.Demo;

/// <summary>
/// The demo gateway's lane token key: 32 random bytes in a file named after the key id, in a directory the gateway reads
/// as it would a mounted Kubernetes Secret. Created on first use and kept, so tokens survive a restart of the demo.
/// </summary>
internal static class DemoKeys
{
    public const string KeyId = "demo";

    public static string DefaultDirectory { get; } = Path.Combine(Path.GetTempPath(), "lanes-demo", "token-keys");

    public static string EnsureDirectory()
    {
        Directory.CreateDirectory(DefaultDirectory);
        var path = Path.Combine(DefaultDirectory, KeyId);
        if (!File.Exists(path))
        {
            var temporary = path + ".tmp";
            File.WriteAllBytes(temporary, RandomNumberGenerator.GetBytes(32));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temporary, path, overwrite: false);
        }

        return DefaultDirectory;
    }

    public static byte[] Read() => File.ReadAllBytes(Path.Combine(EnsureDirectory(), KeyId));
}
