using Lanes.Nacos.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.Nacos.Subscriptions;

/// <summary>
/// The last good instance list of each followed service, on disk (one file per service, written atomically),
/// so an instance that starts while every Nacos server is unreachable still knows where its peers are.
/// </summary>
internal sealed partial class FailoverCache
{
    private readonly bool _enabled;
    private readonly int _maxBytes;
    private readonly ILogger _logger;

    public FailoverCache(IOptions<NacosOptions> options, ILogger<FailoverCache> logger)
    {
        var value = options.Value;
        _enabled = value.FailoverCacheEnabled;
        _maxBytes = value.MaxResponseBytes;
        _logger = logger;
        Directory = string.IsNullOrEmpty(value.FailoverCacheDirectory)
            ? Path.Combine(Path.GetTempPath(), "lanes-nacos", Uri.EscapeDataString(value.NamespaceId))
            : value.FailoverCacheDirectory;
    }

    public string Directory { get; }

    public string PathOf(NacosServiceName service) => Path.Combine(Directory, Uri.EscapeDataString(service.Grouped) + ".json");

    public void Write(NacosServiceName service, ReadOnlySpan<byte> serviceInfo)
    {
        if (!_enabled || serviceInfo.Length > _maxBytes)
        {
            return;
        }

        var path = PathOf(service);
        var temporary = path + "." + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".tmp";
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Write(serviceInfo);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.WriteFailed(_logger, service.Grouped, path, ex.Message);
            TryDelete(temporary);
        }
    }

    public PooledBuffer? Read(NacosServiceName service)
    {
        if (!_enabled)
        {
            return null;
        }

        var path = PathOf(service);
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (file.Length > _maxBytes)
            {
                return null;
            }

            var buffer = new byte[file.Length];
            file.ReadExactly(buffer);
            return PooledBuffer.Copy(buffer);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.ReadFailed(_logger, service.Grouped, path, ex.Message);
            return null;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: a stale temporary file is overwritten next time.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Could not write the failover cache of Nacos service '{ServiceName}' to {Path}: {Reason}", EventName = "NacosFailoverCacheWriteFailed")]
        public static partial void WriteFailed(ILogger logger, string serviceName, string path, string reason);

        [LoggerMessage(2, LogLevel.Warning, "Could not read the failover cache of Nacos service '{ServiceName}' from {Path}: {Reason}", EventName = "NacosFailoverCacheReadFailed")]
        public static partial void ReadFailed(ILogger logger, string serviceName, string path, string reason);
    }
}
