using System.CommandLine;
using System.Text.Json.Nodes;
using Lanes.Cli.Cluster;
using Lanes.Cli.Rendering;

namespace Lanes.Cli.Commands;

/// <summary>
/// <c>rollout pause|resume NAME</c>: sets or clears <c>spec.strategy.paused</c>, as kubectl-kruise does; a paused
/// Rollout holds its release where it is until resumed. Pausing a paused Rollout (or resuming a running one) is an error,
/// as with <c>kubectl rollout pause</c>.
/// </summary>
internal static class PauseCommand
{
    private const int MaxAttempts = 10;

    public static Command Create(VerbRunner verbs, bool pause)
    {
        var name = RolloutCommand.NameArgument();
        var command = new Command(pause ? "pause" : "resume", pause ? "Pause a Rollout (spec.strategy.paused=true)." : "Resume a paused Rollout (spec.strategy.paused=false).") { name };
        verbs.SetAction(command, async (parse, api, cancellationToken) =>
        {
            var rolloutName = parse.GetValue(name)!;
            for (var attempt = 1; ; attempt++)
            {
                var rollout = await api.GetRolloutAsync(rolloutName, cancellationToken).ConfigureAwait(false);
                if ((JsonPaths.Bool(rollout["spec"]?["strategy"]?["paused"]) == true) == pause)
                {
                    throw new CliException($"error: {KruiseApi.Display(rolloutName)} is {(pause ? "already paused" : "not paused")}");
                }

                var spec = rollout["spec"] as JsonObject ?? throw new CliException($"error: {KruiseApi.Display(rolloutName)} has no spec");
                if (spec["strategy"] is not JsonObject strategy)
                {
                    spec["strategy"] = strategy = [];
                }

                strategy["paused"] = pause;
                if (await api.TryReplaceAsync(rollout, cancellationToken).ConfigureAwait(false))
                {
                    await verbs.Console.Out.WriteLineAsync(KruiseApi.Display(rolloutName) + (pause ? " paused" : " resumed")).ConfigureAwait(false);
                    return ExitCodes.Success;
                }

                if (attempt == MaxAttempts)
                {
                    throw new CliException($"error: {KruiseApi.Display(rolloutName)} changed {MaxAttempts} times while updating it; try again");
                }
            }
        });
        return command;
    }
}
