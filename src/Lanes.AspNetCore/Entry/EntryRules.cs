using System.Globalization;
using System.Text;
using Lanes.AspNetCore.Diagnostics;
using Lanes.AspNetCore.Entry.Files;
using Lanes.AspNetCore.Entry.Rules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Lanes.AspNetCore.Entry;

/// <summary>
/// The entry rules in force, kept live: <c>Lanes:Entry:Rules</c> from configuration (re-read when configuration reloads)
/// followed by the rules files of <c>Lanes:Entry:RulesDirectory</c> (watched, and polled in case a notification is
/// missed). Each source changes atomically: a new set is compiled whole and swapped in, or, when anything in it is
/// wrong, turned down with a warning naming the file or key and the field while the rules in force stay.
/// </summary>
internal sealed partial class EntryRules : IDisposable
{
    public const string ConfigurationSource = EntryRuleCompiler.ConfigurationSource;
    private static readonly TimeSpan s_settle = TimeSpan.FromMilliseconds(50);

    private readonly Lock _gate = new();
    private readonly IOptionsFactory<LaneEntryOptions> _factory;
    private readonly IConfiguration? _configuration;
    private readonly TimeProvider _time;
    private readonly EntryMetrics _metrics;
    private readonly ILogger<EntryRules> _logger;
    private readonly string _laneHeader;
    private readonly string? _directory;
    private readonly IDisposable? _configurationSubscription;
    private readonly ITimer? _poll;
    private readonly ITimer? _settle;
    private readonly FileSystemWatcher? _watcher;

    private List<EntryRule> _configurationRules;
    private string _configurationFingerprint;
    private List<EntryRule> _fileRules = [];
    private List<string> _fileSources = [];
    private ulong _directoryFingerprint;
    private bool _directoryMissingReported;
    private long _version;
    private volatile State _state;
    private RejectedReload? _lastRejected;

    public EntryRules(
        IOptions<LaneEntryOptions> options,
        IOptionsFactory<LaneEntryOptions> factory,
        IOptions<LanesOptions> lanes,
        TimeProvider time,
        EntryMetrics metrics,
        ILogger<EntryRules> logger,
        IConfiguration? configuration = null)
    {
        _factory = factory;
        _configuration = configuration;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _laneHeader = lanes.Value.Propagation.HeaderName;
        var entry = options.Value;
        _directory = string.IsNullOrWhiteSpace(entry.RulesDirectory) ? null : Path.GetFullPath(entry.RulesDirectory);

        // Validated on start: a configuration mistake stops the host before this runs.
        _configurationRules = EntryRuleCompiler.CompileConfiguration(entry.Rules, _laneHeader, errors: []);
        _configurationFingerprint = ConfigurationFingerprint();
        if (_directory is not null)
        {
            ReadDirectory(initial: true);
        }

        _state = Compose();
        _metrics.ObserveVersion(() => _state.Status.Version);

        // Created lazily, possibly inside a request: keep that request's lane off timers and callbacks.
        using (ExecutionContext.SuppressFlow())
        {
            if (configuration is not null)
            {
                _configurationSubscription = ChangeToken.OnChange(configuration.GetReloadToken, ReloadConfiguration);
            }

            if (_directory is not null)
            {
                var interval = entry.RulesPollInterval > TimeSpan.Zero ? entry.RulesPollInterval : TimeSpan.FromMilliseconds(500);
                _poll = time.CreateTimer(static state => ((EntryRules)state!).ReloadDirectory(), this, interval, interval);
                _settle = time.CreateTimer(static state => ((EntryRules)state!).ReloadDirectory(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _watcher = TryWatch(_directory);
            }
        }
    }

    /// <summary>The rule set in force; read it once per request.</summary>
    public EntryRuleSet Current => _state.Rules;

    public EntryRulesStatus Status => _state.Status;

    /// <summary>Whether any rule source is configured (an app with rules is an entry).</summary>
    public bool HasSources => _configurationRules.Count > 0 || _directory is not null;

    public string? Directory => _directory;

    /// <summary>Reads the rules directory now (tests and the poll timer); returns whether the rules in force changed.</summary>
    public bool ReloadDirectory()
    {
        if (_directory is null)
        {
            return false;
        }

        lock (_gate)
        {
            if (!ReadDirectory(initial: false))
            {
                return false;
            }

            _state = Compose();
            Log.Reloaded(_logger, _directory, _state.Status.Version, _state.Rules.Rules.Count);
            return true;
        }
    }

    private void ReloadConfiguration()
    {
        lock (_gate)
        {
            var fingerprint = ConfigurationFingerprint();
            if (string.Equals(fingerprint, _configurationFingerprint, StringComparison.Ordinal))
            {
                return;   // another part of configuration changed
            }

            List<EntryRule> rules;
            try
            {
                // The factory binds and validates exactly as at start, so a bad reload fails the same way.
                var options = _factory.Create(Options.DefaultName);
                var errors = new List<string>();
                rules = EntryRuleCompiler.CompileConfiguration(options.Rules, _laneHeader, errors);
                if (errors.Count > 0)
                {
                    throw new OptionsValidationException(Options.DefaultName, typeof(LaneEntryOptions), errors);
                }
            }
            catch (OptionsValidationException ex)
            {
                Reject(ConfigurationSource, [.. ex.Failures]);
                return;
            }

            _configurationFingerprint = fingerprint;
            _configurationRules = rules;
            _metrics.Reloaded(ConfigurationSource, accepted: true);
            _state = Compose();
            Log.Reloaded(_logger, ConfigurationSource, _state.Status.Version, _state.Rules.Rules.Count);
        }
    }

    // Under _gate (or in the constructor). Returns true when the file rules changed.
    private bool ReadDirectory(bool initial)
    {
        RulesDirectorySnapshot snapshot;
        try
        {
            snapshot = RulesDirectorySnapshot.Read(_directory!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Reject(_directory!, [$"{_directory}: could not be read: {ex.Message}"], countAsReload: !initial);
            return false;
        }

        if (snapshot.Fingerprint == _directoryFingerprint && !initial)
        {
            return false;
        }

        if (!snapshot.Exists && !_directoryMissingReported)
        {
            _directoryMissingReported = true;
            Log.DirectoryMissing(_logger, _directory!);
        }
        else if (snapshot.Exists)
        {
            _directoryMissingReported = false;
        }

        var errors = new List<string>(snapshot.Errors);
        var rules = new List<EntryRule>();
        var sources = new List<string>(snapshot.Files.Count);
        foreach (var (name, content) in snapshot.Files)
        {
            rules.AddRange(RulesFileReader.Read(name, content, _laneHeader, errors));
            sources.Add(name);
        }

        if (errors.Count > 0)
        {
            _directoryFingerprint = snapshot.Fingerprint;   // the same bad files are reported once, not every poll
            Reject(_directory!, errors);
            return false;
        }

        var changed = _directoryFingerprint != snapshot.Fingerprint || initial;
        _directoryFingerprint = snapshot.Fingerprint;
        _fileRules = rules;
        _fileSources = sources;
        if (!initial)
        {
            _metrics.Reloaded("directory", accepted: true);
        }

        return changed;
    }

    private void Reject(string source, IReadOnlyList<string> errors, bool countAsReload = true)
    {
        _lastRejected = new RejectedReload(_time.GetUtcNow(), source, errors);
        if (countAsReload)
        {
            _metrics.Reloaded(source == ConfigurationSource ? ConfigurationSource : "directory", accepted: false);
        }

        var version = _state?.Status.Version ?? 0;
        Log.ReloadRejected(_logger, source, version, string.Join(" | ", errors));
        if (_state is { } state)
        {
            _state = state with { Status = state.Status with { LastRejected = _lastRejected } };
        }
    }

    private State Compose()
    {
        var sources = new List<string>(_fileSources.Count + 1);
        if (_configurationRules.Count > 0)
        {
            sources.Add(ConfigurationSource);
        }

        sources.AddRange(_fileSources);
        var rules = EntryRuleSet.Concat(new EntryRuleSet([.. _configurationRules]), _fileRules);
        var status = new EntryRulesStatus(++_version, _time.GetUtcNow(), sources, _lastRejected);
        return new State(rules, status);
    }

    private string ConfigurationFingerprint()
    {
        if (_configuration is null)
        {
            return string.Empty;
        }

        var builder = new StringBuilder();
        foreach (var (key, value) in _configuration.GetSection($"{LaneEntryOptions.SectionName}:Rules").AsEnumerable().OrderBy(static p => p.Key, StringComparer.OrdinalIgnoreCase))
        {
            builder.Append(key.ToUpperInvariant()).Append('=').Append(value).Append('\n');
        }

        return builder.ToString();
    }

    private FileSystemWatcher? TryWatch(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            return null;   // polling notices when it appears
        }

        try
        {
            var watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size };
            FileSystemEventHandler changed = (_, _) => Settle();
            watcher.Changed += changed;
            watcher.Created += changed;
            watcher.Deleted += changed;
            watcher.Renamed += (_, _) => Settle();
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            Log.WatchFailed(_logger, directory, ex.Message);
            return null;
        }
    }

    // Writers touch a file several times in a row: read once they paused.
    private void Settle() => _settle?.Change(s_settle, Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        _configurationSubscription?.Dispose();
        _watcher?.Dispose();
        _poll?.Dispose();
        _settle?.Dispose();
    }

    private sealed record State(EntryRuleSet Rules, EntryRulesStatus Status);

    internal static string Count(int count) => count.ToString(CultureInfo.InvariantCulture);
}
