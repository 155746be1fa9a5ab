using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Lanes.RolloutController.Tests.TestSupport;

/// <summary>
/// A ConfigMap materialised as a directory the way the kubelet's AtomicWriter does it: the data lives in a
/// timestamped directory, <c>..data</c> is a symlink to it that is swapped atomically on every update, and each key
/// is a symlink <c>&lt;key&gt; -&gt; ..data/&lt;key&gt;</c>. Readers that follow the swap see either the old or the new
/// set of files, never a mix.
/// </summary>
internal sealed partial class ConfigMapVolume : IDisposable
{
    private const string DataLink = "..data";
    private readonly Lock _lock = new();
    private int _generation;

    public ConfigMapVolume()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("lanes-configmap-").FullName;
    }

    /// <summary>The mount path.</summary>
    public string Directory { get; }

    /// <summary>Writes the ConfigMap's <c>data</c> (an absent ConfigMap is an empty directory, as an optional volume).</summary>
    public void Sync(JsonObject? configMap)
    {
        var data = (configMap?["data"] as JsonObject ?? []).ToDictionary(static p => p.Key, static p => p.Value?.GetValue<string>() ?? "", StringComparer.Ordinal);
        lock (_lock)
        {
            var link = Path.Combine(Directory, DataLink);
            var previous = File.Exists(link) || System.IO.Directory.Exists(link) ? new DirectoryInfo(link).LinkTarget : null;
            if (previous is not null && Same(Path.Combine(Directory, previous), data))
            {
                return;
            }

            var stamp = string.Create(CultureInfo.InvariantCulture, $"..{DateTime.UtcNow:yyyy_MM_dd_HH_mm_ss}.{++_generation:D9}");
            var target = System.IO.Directory.CreateDirectory(Path.Combine(Directory, stamp)).FullName;
            foreach (var (key, value) in data)
            {
                File.WriteAllText(Path.Combine(target, key), value);
            }

            // Swap ..data atomically: a new link under a temporary name, renamed over the old one.
            var temporary = Path.Combine(Directory, "..data_tmp");
            File.Delete(temporary);
            File.CreateSymbolicLink(temporary, stamp);
            if (Rename(temporary, link) != 0)
            {
                throw new IOException($"rename {temporary} -> {link} failed: errno {Marshal.GetLastPInvokeError()}");
            }

            foreach (var key in data.Keys)
            {
                var visible = Path.Combine(Directory, key);
                if (!File.Exists(visible))
                {
                    File.CreateSymbolicLink(visible, Path.Combine(DataLink, key));
                }
            }

            foreach (var entry in new DirectoryInfo(Directory).EnumerateFileSystemInfos())
            {
                if (!entry.Name.StartsWith("..", StringComparison.Ordinal) && !data.ContainsKey(entry.Name))
                {
                    entry.Delete();
                }
            }

            if (previous is not null)
            {
                System.IO.Directory.Delete(Path.Combine(Directory, previous), recursive: true);
            }
        }
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // rename(2) replaces the ..data link in one step (File.Move refuses a link to a directory).
    [LibraryImport("libc", EntryPoint = "rename", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Rename(string from, string to);

    private static bool Same(string directory, Dictionary<string, string> data)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            return false;
        }

        var files = System.IO.Directory.GetFiles(directory);
        return files.Length == data.Count && files.All(f => data.TryGetValue(Path.GetFileName(f), out var v) && File.ReadAllText(f) == v);
    }
}
