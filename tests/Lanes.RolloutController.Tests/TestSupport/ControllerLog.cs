using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Lanes.RolloutController.Tests.TestSupport;

/// <summary>
/// The controller's log lines, kept in memory (the most recent <see cref="Capacity"/>) so a failing test can print
/// what the controller did. One instance may serve several controller hosts in turn (a restart keeps the history).
/// </summary>
internal sealed class ControllerLog : ILoggerProvider
{
    public const int Capacity = 4000;

    // The log of the controllers that run against each emulator, so a timed-out wait can show what they did.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Lanes.Kubernetes.Emulator.KubernetesEmulator, ControllerLog> Logs = new();

    private readonly ConcurrentQueue<string> _lines = new();
    private int _host;

    /// <summary>Numbers the hosts that log here, so the lines of a restarted controller can be told apart.</summary>
    public int NextHost() => Interlocked.Increment(ref _host);

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>The log kept for the controllers that run against <paramref name="emulator"/> (created on first use).</summary>
    public static ControllerLog For(Lanes.Kubernetes.Emulator.KubernetesEmulator emulator) => Logs.GetValue(emulator, static _ => new ControllerLog());

    /// <summary>The last <paramref name="count"/> lines of the log kept for <paramref name="emulator"/>, if any controller ran.</summary>
    public static string Tail(Lanes.Kubernetes.Emulator.KubernetesEmulator emulator, int count) =>
        Logs.TryGetValue(emulator, out var log) ? string.Join(Environment.NewLine, log._lines.TakeLast(count)) : "";

    /// <summary>Writes the kept lines to a test's output.</summary>
    public void WriteTo(Xunit.Abstractions.ITestOutputHelper output)
    {
        foreach (var line in _lines)
        {
            output.WriteLine(line);
        }
    }

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Capacity && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Logger(ControllerLog log, string category) : ILogger
    {
        private readonly int _host = Volatile.Read(ref log._host);
        private readonly string _category = category[(category.LastIndexOf('.') + 1)..];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} #{_host} {logLevel,-11} {_category}: {formatter(state, exception)}");
            if (exception is not null)
            {
                line += " | " + exception.GetType().Name + ": " + exception.Message;
            }

            log.Add(line);
        }
    }
}
