using System.Globalization;
using Lanes.Diagnostics;
using Lanes.Discovery;
using Lanes.Propagation;
using Lanes.Routing;
using Microsoft.Extensions.Options;

namespace Lanes;

/// <summary>Validates <see cref="LanesOptions"/> on start; every failure names the configuration key that holds it.</summary>
internal sealed class LanesOptionsValidator : IValidateOptions<LanesOptions>
{
    public ValidateOptionsResult Validate(string? name, LanesOptions options)
    {
        var errors = new List<string>(options.BindingErrors);
        const string Section = LanesOptions.SectionName;

        if (!string.IsNullOrEmpty(options.Lane) && Lane.Validate(options.Lane) is var laneError and not LaneError.None)
        {
            errors.Add($"{Section}:Lane: '{options.Lane}' is not a valid lane: {Lane.DescribeError(laneError)}.");
        }

        if (!HttpToken.IsToken(options.Propagation.HeaderName))
        {
            errors.Add($"{Section}:Propagation:HeaderName: '{options.Propagation.HeaderName}' is not a valid HTTP header name.");
        }

        if (!string.IsNullOrEmpty(options.Propagation.BaggageKey) && !HttpToken.IsToken(options.Propagation.BaggageKey))
        {
            errors.Add($"{Section}:Propagation:BaggageKey: '{options.Propagation.BaggageKey}' is not a valid W3C baggage key.");
        }

        if (string.IsNullOrWhiteSpace(options.PodLabelsPath))
        {
            errors.Add($"{Section}:PodLabelsPath: must not be empty.");
        }

        if (options.Metrics.MaxLanes is < 1 or > LaneMetricsOptions.MaxLanesLimit)
        {
            errors.Add($"{Section}:Metrics:MaxLanes: must be 1 to {LaneMetricsOptions.MaxLanesLimit} (distinct lanes with their own metric attribute value); got {options.Metrics.MaxLanes}.");
        }

        ValidateRouting(options.Routing, errors);
        _ = ConfiguredServiceCatalog.Build(options.Services, errors);

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateRouting(LaneRoutingOptions routing, List<string> errors)
    {
        const string Section = $"{LanesOptions.SectionName}:Routing";
        if (!string.IsNullOrEmpty(routing.BaseLane) && Lane.Validate(routing.BaseLane) is var baseError and not LaneError.None)
        {
            errors.Add($"{Section}:BaseLane: '{routing.BaseLane}' is not a valid lane: {Lane.DescribeError(baseError)}.");
        }

        if (!Enum.IsDefined(routing.DefaultFallback))
        {
            errors.Add($"{Section}:DefaultFallback: '{routing.DefaultFallback}' is not a fallback policy; use 'Loose' or 'Strict'.");
        }

        foreach (var (lane, policy) in routing.Lanes)
        {
            if (Lane.Validate(lane) is var laneError and not LaneError.None)
            {
                errors.Add($"{Section}:Lanes:{lane}: '{lane}' is not a valid lane: {Lane.DescribeError(laneError)}.");
            }

            if (policy.Fallback is { } fallback && !Enum.IsDefined(fallback))
            {
                errors.Add($"{Section}:Lanes:{lane}:Fallback: '{fallback}' is not a fallback policy; use 'Loose' or 'Strict'.");
            }
        }

        var health = routing.PassiveHealth;
        if (health.ConsecutiveFailures < 1)
        {
            errors.Add($"{Section}:PassiveHealth:ConsecutiveFailures: must be at least 1; got {health.ConsecutiveFailures}.");
        }

        if (health.EjectionTime <= TimeSpan.Zero || health.EjectionTime > TimeSpan.FromHours(1))
        {
            errors.Add($"{Section}:PassiveHealth:EjectionTime: must be more than zero and at most 1 hour; got {health.EjectionTime}.");
        }

        if (!(health.FailureRate > 0 && health.FailureRate <= 1))
        {
            errors.Add($"{Section}:PassiveHealth:FailureRate: must be above 0 and at most 1 (a share of calls); got {health.FailureRate.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (health.FailureRateWindow <= TimeSpan.Zero || health.FailureRateWindow > TimeSpan.FromHours(1))
        {
            errors.Add($"{Section}:PassiveHealth:FailureRateWindow: must be more than zero and at most 1 hour; got {health.FailureRateWindow}.");
        }

        if (health.MinimumCalls < 2)
        {
            errors.Add($"{Section}:PassiveHealth:MinimumCalls: must be at least 2, so one failed call never ejects an instance; got {health.MinimumCalls}.");
        }
    }
}
