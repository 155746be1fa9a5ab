using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Lanes.AspNetCore.Entry.Files;

/// <summary>
/// The files of a rules directory read at one instant. A Kubernetes ConfigMap volume keeps its files in a timestamped
/// folder behind the <c>..data</c> symlink and swaps that link atomically on update; the files are read from the folder
/// the link names, and read again if the link moved meanwhile, so a snapshot never mixes two versions of the ConfigMap.
/// A plain directory is read as it is. Hidden entries (<c>.</c>-prefixed, such as <c>..data</c>) and folders are skipped.
/// </summary>
internal sealed class RulesDirectorySnapshot
{
    /// <summary>Kubernetes' ConfigMap and Secret volume link to the current version of the files.</summary>
    public const string DataLink = "..data";

    public const int MaxFiles = 256;

    public const int MaxFileBytes = 1024 * 1024;

    private const int Attempts = 5;

    private RulesDirectorySnapshot(bool exists, IReadOnlyList<(string Name, byte[] Content)> files, IReadOnlyList<string> errors, ulong fingerprint)
    {
        Exists = exists;
        Files = files;
        Errors = errors;
        Fingerprint = fingerprint;
    }

    public bool Exists { get; }

    /// <summary>The files in name order (ordinal).</summary>
    public IReadOnlyList<(string Name, byte[] Content)> Files { get; }

    /// <summary>Files that could not be read (too large, too many).</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>A hash of every name and content, to tell a real change from a touch.</summary>
    public ulong Fingerprint { get; }

    public static RulesDirectorySnapshot Read(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return new RulesDirectorySnapshot(exists: false, [], [], fingerprint: 0);
        }

        var link = Path.Combine(directory, DataLink);
        for (var attempt = 1; ; attempt++)
        {
            var target = Directory.Exists(link) ? Resolve(link) : null;
            try
            {
                var snapshot = ReadFiles(target ?? directory);
                if (target is null || string.Equals(Resolve(link), target, StringComparison.Ordinal))
                {
                    return snapshot;
                }
            }
            catch (Exception ex) when (attempt < Attempts && ex is FileNotFoundException or DirectoryNotFoundException or IOException)
            {
                // The ConfigMap was swapped and the old folder removed while we read: read the new one.
            }
        }
    }

    private static string Resolve(string link)
    {
        var info = new DirectoryInfo(link);
        var target = info.ResolveLinkTarget(returnFinalTarget: true);
        return target?.FullName ?? info.FullName;
    }

    private static RulesDirectorySnapshot ReadFiles(string folder)
    {
        var names = new List<string>();
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            if (entry.Name.StartsWith('.') || entry is DirectoryInfo || (entry.LinkTarget is not null && Directory.Exists(entry.FullName)))
            {
                continue;
            }

            names.Add(entry.Name);
        }

        names.Sort(StringComparer.Ordinal);
        var errors = new List<string>();
        if (names.Count > MaxFiles)
        {
            errors.Add($"the directory holds {names.Count.ToString(CultureInfo.InvariantCulture)} files; the limit is {MaxFiles.ToString(CultureInfo.InvariantCulture)}.");
            names.RemoveRange(MaxFiles, names.Count - MaxFiles);
        }

        var files = new List<(string, byte[])>(names.Count);
        var hash = new XxHash3();
        foreach (var name in names)
        {
            var path = Path.Combine(folder, name);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length > MaxFileBytes)
            {
                errors.Add($"{name}: is {stream.Length.ToString(CultureInfo.InvariantCulture)} bytes; a rules file may hold at most {MaxFileBytes.ToString(CultureInfo.InvariantCulture)}.");
                continue;
            }

            var content = new byte[stream.Length];
            stream.ReadExactly(content);
            files.Add((name, content));
            hash.Append(MemoryMarshal.AsBytes(name.AsSpan()));
            hash.Append([0]);
            hash.Append(content);
            hash.Append([0]);
        }

        foreach (var error in errors)
        {
            hash.Append(MemoryMarshal.AsBytes(error.AsSpan()));
        }

        return new RulesDirectorySnapshot(exists: true, files, errors, hash.GetCurrentHashAsUInt64() | 1);
    }
}
