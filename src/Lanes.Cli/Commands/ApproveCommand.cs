using System.CommandLine;
using Lanes.Cli.Cluster;

namespace Lanes.Cli.Commands;

/// <summary>
/// <c>rollout approve NAME</c>: lets a step paused for manual confirmation go on, as kubectl-kruise does (StepPaused
/// becomes StepReady). The status is written with the resourceVersion read, so the approval lands on the step that was
/// paused or not at all; on a conflict it re-reads and tries again only while that same step is still paused.
/// </summary>
internal static class ApproveCommand
{
    public static Command Create(VerbRunner verbs)
    {
        var name = RolloutCommand.NameArgument();
        var command = new Command("approve", "Approve the step a Rollout is paused at (StepPaused -> StepReady).") { name };
        verbs.SetAction(command, async (parse, api, cancellationToken) =>
        {
            await ApproveAsync(api, parse.GetValue(name)!, cancellationToken).ConfigureAwait(false);
            await verbs.Console.Out.WriteLineAsync(KruiseApi.Display(parse.GetValue(name)!) + " approved").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    public static async Task ApproveAsync(RolloutApi api, string name, CancellationToken cancellationToken)
    {
        var rollout = await api.GetRolloutAsync(name, cancellationToken).ConfigureAwait(false);
        var paused = ReleasePosition.Read(rollout);
        if (paused.State != KruiseApi.StepPaused || paused.Step is null)
        {
            throw new CliException($"error: {KruiseApi.Display(name)} is not paused at a step, it is at {paused}; only a StepPaused step can be approved");
        }

        await StepGuardedWrite.WriteAsync(
            api, name, rollout, paused,
            static canary => canary["currentStepState"] = KruiseApi.StepReady,
            static now => now.State == KruiseApi.StepPaused,
            "approved",
            cancellationToken).ConfigureAwait(false);
    }
}
