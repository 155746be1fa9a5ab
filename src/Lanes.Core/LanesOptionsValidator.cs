using Lanes.Discovery;
using Lanes.Propagation;
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

        _ = ConfiguredServiceCatalog.Build(options.Services, errors);

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
