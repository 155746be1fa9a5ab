using Spectre.Console;

namespace Lanes.Cli.Rendering;

/// <summary>The status of one Rollout: labelled lines for a pipe, a table for a terminal.</summary>
internal static class StatusView
{
    public static IReadOnlyList<(string Label, string Value)> Fields(RolloutSummary s)
    {
        var fields = new List<(string, string)>
        {
            ("Rollout", $"{s.Name} (namespace {s.Namespace})"),
            ("Workload", s.Workload is null ? "-" : "Deployment/" + s.Workload),
            ("Phase", s.Phase.Length > 0 ? s.Phase + (s.Paused ? " (paused)" : "") : "(not observed yet)"),
            ("Step", $"{s.StepText} {s.State}".Trim()),
            ("Canary", s.CanaryText + (s.CanaryRevision is { Length: > 0 } c ? $" (revision {c}, stable {s.StableRevision ?? "-"})" : "")),
            ("Traffic", s.Traffic),
            ("Analysis", s.Analysis.Count > 0 ? string.Join("; ", s.Analysis) : "none reported"),
            ("Message", s.Message.Length > 0 ? s.Message : "-"),
        };
        return fields;
    }

    public static void WritePlain(TextWriter output, RolloutSummary summary)
    {
        foreach (var (label, value) in Fields(summary))
        {
            output.WriteLine($"{label + ":",-10} {value}");
        }
    }

    public static Table Table(RolloutSummary summary)
    {
        var table = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("field").AddColumn("value");
        table.Title = new TableTitle($"[bold]{Markup.Escape(summary.Name)}[/]");
        foreach (var (label, value) in Fields(summary))
        {
            var text = Markup.Escape(value);
            if (label == "Phase" || label == "Step")
            {
                text = summary.Outcome switch
                {
                    ReleaseOutcome.Succeeded => $"[green]{text}[/]",
                    ReleaseOutcome.Failed or ReleaseOutcome.Canceled => $"[red]{text}[/]",
                    _ when summary.State == "StepPaused" => $"[yellow]{text}[/]",
                    _ => text,
                };
            }

            table.AddRow(new Markup($"[grey]{Markup.Escape(label)}[/]"), new Markup(text));
        }

        return table;
    }

    /// <summary>kubectl rollout status's last line, and the exit code that goes with it.</summary>
    public static (string Line, int ExitCode, bool IsError) Verdict(RolloutSummary s) => s.Outcome switch
    {
        ReleaseOutcome.Succeeded => ($"rollout \"{s.Name}\" successfully rolled out", ExitCodes.Success, false),
        ReleaseOutcome.Canceled => ($"error: rollout \"{s.Name}\" was canceled: {s.OutcomeReason}", ExitCodes.Error, true),
        ReleaseOutcome.Failed => ($"error: rollout \"{s.Name}\" failed: {s.OutcomeReason}", ExitCodes.Error, true),
        _ => ($"Waiting for rollout \"{s.Name}\": step {s.StepText} {s.State}".TrimEnd(), ExitCodes.Success, false),
    };
}
