using System.CommandLine;
using System.Diagnostics;
using Lanes.Cli.Rendering;
using Spectre.Console;

namespace Lanes.Cli.Commands;

/// <summary>
/// <c>rollout status NAME [--watch]</c>: step i/n, state, canary replicas ready/desired, the traffic rule in force and
/// analysis results. Exits 0 once the release completed (or none is running), 1 when it failed or was canceled, as
/// <c>kubectl rollout status</c> does; <c>--watch</c> follows the release to its end, bounded by <c>--timeout</c>.
/// A terminal gets a live table; a pipe gets one line per change.
/// </summary>
internal static class StatusCommand
{
    public static Command Create(VerbRunner verbs)
    {
        var name = RolloutCommand.NameArgument();
        var watch = new Option<bool>("--watch", "-w") { Description = "Follow the release until it completes, fails or is canceled." };
        var timeout = new Option<TimeSpan>("--timeout")
        {
            Description = "How long --watch waits before giving up (e.g. 90s, 10m, 00:10:00).",
            DefaultValueFactory = static _ => TimeSpan.FromMinutes(10),
            CustomParser = static result => Durations.Parse(result),
        };
        var interval = new Option<TimeSpan>("--interval")
        {
            Description = "How often --watch reads the Rollout.",
            DefaultValueFactory = static _ => TimeSpan.FromMilliseconds(500),
            CustomParser = static result => Durations.Parse(result),
            Hidden = true,
        };
        var output = GlobalOptions.Output();
        var command = new Command("status", "Show a Rollout's release: step, state, canary readiness, traffic rule, analysis.") { name, watch, timeout, interval, output };
        verbs.SetAction(command, async (parse, api, cancellationToken) =>
        {
            var rolloutName = parse.GetValue(name)!;
            var format = parse.GetValue(output);
            var console = verbs.Console;
            if (!parse.GetValue(watch))
            {
                var snapshot = await RolloutSnapshot.ReadAsync(api, rolloutName, cancellationToken).ConfigureAwait(false);
                if (format != OutputFormat.Text)
                {
                    ObjectWriter.Write(console.Out, snapshot.Rollout, format);
                }
                else if (console.IsTerminal)
                {
                    Terminal(console).Write(StatusView.Table(snapshot.Summary));
                }
                else
                {
                    StatusView.WritePlain(console.Out, snapshot.Summary);
                }

                return await VerdictAsync(console, snapshot.Summary, format).ConfigureAwait(false);
            }

            var limit = parse.GetValue(timeout);
            var pollEvery = parse.GetValue(interval);
            return format == OutputFormat.Text && console.IsTerminal
                ? await WatchLiveAsync(api, console, rolloutName, limit, pollEvery, cancellationToken).ConfigureAwait(false)
                : await WatchPlainAsync(api, console, rolloutName, format, limit, pollEvery, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> WatchPlainAsync(Cluster.RolloutApi api, CliConsole console, string name, OutputFormat format, TimeSpan limit, TimeSpan interval, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        string? last = null;
        while (true)
        {
            var snapshot = await RolloutSnapshot.ReadAsync(api, name, cancellationToken).ConfigureAwait(false);
            var shown = format == OutputFormat.Text ? snapshot.Summary.Line : snapshot.ResourceVersion;
            if (shown != last)
            {
                last = shown;
                if (format == OutputFormat.Text)
                {
                    await console.Out.WriteLineAsync(shown).ConfigureAwait(false);
                }
                else
                {
                    ObjectWriter.Write(console.Out, snapshot.Rollout, format);
                }
            }

            if (snapshot.Summary.Outcome != ReleaseOutcome.InProgress)
            {
                return await VerdictAsync(console, snapshot.Summary, format).ConfigureAwait(false);
            }

            await WaitOrTimeOutAsync(snapshot.Summary, started, limit, interval, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<int> WatchLiveAsync(Cluster.RolloutApi api, CliConsole console, string name, TimeSpan limit, TimeSpan interval, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var terminal = Terminal(console);
        var snapshot = await RolloutSnapshot.ReadAsync(api, name, cancellationToken).ConfigureAwait(false);
        await terminal.Live(StatusView.Table(snapshot.Summary)).StartAsync(async live =>
        {
            while (snapshot.Summary.Outcome == ReleaseOutcome.InProgress)
            {
                await WaitOrTimeOutAsync(snapshot.Summary, started, limit, interval, cancellationToken).ConfigureAwait(false);
                snapshot = await RolloutSnapshot.ReadAsync(api, name, cancellationToken).ConfigureAwait(false);
                live.UpdateTarget(StatusView.Table(snapshot.Summary));
            }
        }).ConfigureAwait(false);
        return await VerdictAsync(console, snapshot.Summary, OutputFormat.Text).ConfigureAwait(false);
    }

    private static async Task WaitOrTimeOutAsync(RolloutSummary summary, Stopwatch started, TimeSpan limit, TimeSpan interval, CancellationToken cancellationToken)
    {
        var left = limit - started.Elapsed;
        if (left <= TimeSpan.Zero)
        {
            throw new CliException($"error: timed out after {Format(limit)} waiting for rollout \"{summary.Name}\" to finish: it is at step {summary.StepText} {summary.State} (phase {summary.Phase})");
        }

        await Task.Delay(left < interval ? left : interval, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> VerdictAsync(CliConsole console, RolloutSummary summary, OutputFormat format)
    {
        var (line, exitCode, isError) = StatusView.Verdict(summary);
        if (isError)
        {
            await console.Error.WriteLineAsync(line).ConfigureAwait(false);
        }
        else if (format == OutputFormat.Text)
        {
            await console.Out.WriteLineAsync(line).ConfigureAwait(false);
        }

        return exitCode;
    }

    private static IAnsiConsole Terminal(CliConsole console) =>
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console.Out), Interactive = InteractionSupport.Yes });

    private static string Format(TimeSpan span) => span.TotalSeconds < 120 ? $"{span.TotalSeconds:0.#}s" : $"{span.TotalMinutes:0.#}m";
}
