using System.Text.Json.Nodes;
using Lanes.Cli.Cluster;

namespace Lanes.Cli.Commands;

/// <summary>
/// A change of a Rollout's <c>status.canaryStatus</c> meant for the release step the user saw: written with the
/// resourceVersion read, so it lands on that step or not at all. On a conflict the Rollout is read again and the change
/// retried only while the same release is still at the same step in an acceptable state; otherwise nothing is written.
/// </summary>
internal static class StepGuardedWrite
{
    private const int MaxAttempts = 10;

    /// <param name="api">The cluster.</param>
    /// <param name="name">The Rollout.</param>
    /// <param name="rollout">The Rollout as read, at <paramref name="read"/>.</param>
    /// <param name="read">Where the release was when the user's decision was made.</param>
    /// <param name="change">Sets the field(s) on <c>status.canaryStatus</c>.</param>
    /// <param name="stillValid">Whether a re-read position (same release, same step) still takes the change.</param>
    /// <param name="verb">What is being done, for the errors ("approved", "rolled back").</param>
    /// <param name="cancellationToken">Stops the attempts.</param>
    public static async Task WriteAsync(RolloutApi api, string name, JsonObject rollout, ReleasePosition read, Action<JsonObject> change, Func<ReleasePosition, bool> stillValid, string verb, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            change((JsonObject)rollout["status"]!["canaryStatus"]!);
            if (await api.TryReplaceStatusAsync(rollout, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            // 409: someone (usually the controller) wrote in between.
            rollout = await api.GetRolloutAsync(name, cancellationToken).ConfigureAwait(false);
            var now = ReleasePosition.Read(rollout);
            if (!now.IsSameStepAs(read) || !stillValid(now))
            {
                throw new CliException($"error: {KruiseApi.Display(name)} moved on: it was at step {read.Step} {read.State}, it is now at {now}; nothing was {verb}");
            }

            if (attempt == MaxAttempts)
            {
                throw new CliException($"error: {KruiseApi.Display(name)}: the status changed {MaxAttempts} times in a row at step {read.Step}; nothing was {verb}, try again");
            }
        }
    }
}
