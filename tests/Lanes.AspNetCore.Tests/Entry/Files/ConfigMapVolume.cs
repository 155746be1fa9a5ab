using System.Globalization;
using System.Runtime.InteropServices;

namespace Lanes.AspNetCore.Tests.Entry.Files;

/// <summary>
/// A directory laid out and updated the way the kubelet's atomic writer updates a ConfigMap volume: the files live in a
/// timestamped folder, <c>..data</c> links to it, each key is a link to <c>..data/&lt;key&gt;</c>, and an update writes a
/// new folder, points a temporary link at it and renames that link over <c>..data</c>, then removes the old folder.
/// </summary>
internal sealed class ConfigMapVolume : IDisposable
{
    private int _generation;

    public ConfigMapVolume()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lanes-configmap-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Update(IReadOnlyDictionary<string, string> data)
    {
        var folderName = string.Create(CultureInfo.InvariantCulture, $"..2026_11_30_12_00_00.{++_generation}");
        var folder = System.IO.Path.Combine(Path, folderName);
        Directory.CreateDirectory(folder);
        foreach (var (key, value) in data)
        {
            File.WriteAllText(System.IO.Path.Combine(folder, key), value);
        }

        var dataLink = System.IO.Path.Combine(Path, "..data");
        var previous = Directory.Exists(dataLink) ? new DirectoryInfo(dataLink).ResolveLinkTarget(false)?.FullName : null;
        var temporary = System.IO.Path.Combine(Path, "..data_tmp");
        if (new FileInfo(temporary).LinkTarget is not null)
        {
            File.Delete(temporary);
        }
        Directory.CreateSymbolicLink(temporary, folderName);
        if (Rename(temporary, dataLink) != 0)   // rename(2): the swap is atomic
        {
            throw new IOException($"rename {temporary} -> {dataLink} failed: errno {Marshal.GetLastPInvokeError()}");
        }

        foreach (var key in data.Keys)
        {
            var link = System.IO.Path.Combine(Path, key);
            if (!File.Exists(link) && new FileInfo(link).LinkTarget is null)
            {
                File.CreateSymbolicLink(link, System.IO.Path.Combine("..data", key));
            }
        }

        foreach (var entry in new DirectoryInfo(Path).EnumerateFileSystemInfos())
        {
            if (!entry.Name.StartsWith('.') && entry.LinkTarget is not null && !data.ContainsKey(entry.Name))
            {
                entry.Delete();
            }
        }

        if (previous is not null && Directory.Exists(previous))
        {
            Directory.Delete(previous, recursive: true);
        }
    }

    // File.Move refuses a link to a directory; the kubelet uses rename(2) directly.
    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
