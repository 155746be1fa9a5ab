using System.Globalization;
using Microsoft.Extensions.Options;

namespace Lanes.Samples.Service.Faults;

/// <summary>Checks the faults on start; every error names its configuration key.</summary>
internal sealed class SampleFaultOptionsValidator : IValidateOptions<SampleFaultOptions>
{
    private static readonly TimeSpan MaxLatency = TimeSpan.FromMinutes(1);

    public ValidateOptionsResult Validate(string? name, SampleFaultOptions options)
    {
        var errors = new List<string>();
        foreach (var (lane, fault) in options.Lanes)
        {
            var key = $"{SampleFaultOptions.SectionName}:{lane}";
            if (Lane.Validate(lane) is var error and not LaneError.None)
            {
                errors.Add($"{key}: '{lane}' is not a valid lane: {Lane.DescribeError(error)}.");
            }

            if (!(fault.ErrorShare is >= 0 and <= 1))
            {
                errors.Add($"{key}:ErrorShare: must be 0 to 1 (a share of the lane's requests); got {fault.ErrorShare.ToString(CultureInfo.InvariantCulture)}.");
            }

            if (fault.AddedLatency < TimeSpan.Zero || fault.AddedLatency > MaxLatency)
            {
                errors.Add($"{key}:AddedLatency: must be zero to {MaxLatency}; got {fault.AddedLatency}.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
