using System.CommandLine;
using System.Text.Json.Nodes;
using Lanes.Cli.Cluster;

namespace Lanes.Cli.Commands;

/// <summary>
/// <c>rollout approve NAME</c>: lets a step paused for manual confirmation go on, as kubectl-kruise does (StepPaused
/// becomes StepReady). The status is written with the resourceVersion read, so the approval lands on the step that was
/// paused or not at all; on a conflict it re-reads and tries again only while that same step is still paused.
/// </summary>
internal static class ApproveCommand
{
    private const int MaxAttempts = 10;

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

        for (var attempt = 1; ; attempt++)
        {
            ((JsonObject)rollout["status"]!["canaryStatus"]!)["currentStepState"] = KruiseApi.StepReady;
            if (await api.TryReplaceStatusAsync(rollout, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            // 409: someone (usually the controller) wrote in between. Approve only if it is still the same pause.
            rollout = await api.GetRolloutAsync(name, cancellationToken).ConfigureAwait(false);
            var now = ReleasePosition.Read(rollout);
            if (!now.IsSameStepAs(paused) || now.State != KruiseApi.StepPaused)
            {
                throw new CliException($"error: {KruiseApi.Display(name)} moved on while being approved: it was paused at step {paused.Step}, it is now at {now}; nothing was approved");
            }

            if (attempt == MaxAttempts)
            {
                throw new CliException($"error: {KruiseApi.Display(name)}: the status changed {MaxAttempts} times while approving step {paused.Step}; nothing was approved, try again");
            }
        }
    }
}
