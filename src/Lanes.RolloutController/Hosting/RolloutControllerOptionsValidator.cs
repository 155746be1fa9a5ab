using Microsoft.Extensions.Options;

namespace Lanes.RolloutController.Hosting;

/// <summary>Rejects settings the controller cannot run with, at start.</summary>
internal sealed class RolloutControllerOptionsValidator : IValidateOptions<RolloutControllerOptions>
{
    public ValidateOptionsResult Validate(string? name, RolloutControllerOptions options)
    {
        List<string> failures = [];
        if (options.Workers is < 1 or > 32)
        {
            failures.Add("Lanes:RolloutController:Workers must be between 1 and 32.");
        }

        if (options.ResyncPeriod <= TimeSpan.Zero)
        {
            failures.Add("Lanes:RolloutController:ResyncPeriod must be positive.");
        }

        if (options.CanaryReadyTimeout < TimeSpan.Zero)
        {
            failures.Add("Lanes:RolloutController:CanaryReadyTimeout cannot be negative (zero disables it).");
        }

        if (options.ConflictRetries is < 1 or > 100)
        {
            failures.Add("Lanes:RolloutController:ConflictRetries must be between 1 and 100.");
        }

        if (options.RetryDelay <= TimeSpan.Zero || options.WatchRetryDelay <= TimeSpan.Zero || options.WatchTimeout < TimeSpan.FromSeconds(1))
        {
            failures.Add("Lanes:RolloutController:RetryDelay and WatchRetryDelay must be positive and WatchTimeout at least 1 s.");
        }

        if (options.MaxRetryDelay < options.RetryDelay)
        {
            failures.Add("Lanes:RolloutController:MaxRetryDelay must be at least RetryDelay.");
        }

        if (options.RouteCheckPeriod < TimeSpan.FromSeconds(1))
        {
            failures.Add("Lanes:RolloutController:RouteCheckPeriod must be at least 1 s.");
        }

        if (string.IsNullOrWhiteSpace(options.LaneHeader) || !options.LaneHeader.All(static ch => ch is > ' ' and < (char)127 and not ':' and not '(' and not ')' and not ',' and not '/' and not ';' and not '"'))
        {
            failures.Add($"Lanes:RolloutController:LaneHeader '{options.LaneHeader}' is not a valid header name.");
        }

        var election = options.LeaderElection;
        if (election.Enabled)
        {
            if (string.IsNullOrWhiteSpace(election.LeaseName))
            {
                failures.Add("Lanes:RolloutController:LeaderElection:LeaseName is required.");
            }

            if (!(election.RetryPeriod > TimeSpan.Zero && election.RetryPeriod < election.RenewDeadline && election.RenewDeadline < election.LeaseDuration))
            {
                failures.Add("Lanes:RolloutController:LeaderElection needs 0 < RetryPeriod < RenewDeadline < LeaseDuration.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
