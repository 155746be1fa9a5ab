using Microsoft.Extensions.Options;

namespace Lanes.AspNetCore.Entry;

/// <summary>Validates the entry rules on start; every failure names the configuration key that holds it.</summary>
internal sealed class LaneEntryOptionsValidator(IOptions<LanesOptions> lanes) : IValidateOptions<LaneEntryOptions>
{
    public ValidateOptionsResult Validate(string? name, LaneEntryOptions options)
    {
        string laneHeader;
        try
        {
            laneHeader = lanes.Value.Propagation.HeaderName;
        }
        catch (OptionsValidationException)
        {
            return ValidateOptionsResult.Skip;   // the Lanes options report their own errors; one message per mistake
        }

        var errors = new List<string>(options.BindingErrors);
        _ = EntryRuleSet.Build(options, laneHeader, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
