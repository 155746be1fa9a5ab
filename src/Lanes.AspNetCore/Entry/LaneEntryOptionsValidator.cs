using System.Globalization;
using Lanes.AspNetCore.Entry.Rules;
using Lanes.AspNetCore.Entry.Trust;
using Lanes.Propagation;
using Microsoft.Extensions.Options;

namespace Lanes.AspNetCore.Entry;

/// <summary>Validates the entry on start and on every configuration reload; every failure names the key that holds it.</summary>
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

        var section = LaneEntryOptions.SectionName;
        var errors = new List<string>(options.BindingErrors);
        _ = EntryRuleCompiler.CompileConfiguration(options.Rules, laneHeader, errors);
        _ = TrustedNetworks.Parse(options.TrustedProxies, errors);
        _ = LaneTokenKeys.Load(options.Tokens, errors, warnings: []);
        for (var i = 0; i < options.AllowedLanes.Count; i++)
        {
            var lane = options.AllowedLanes[i];
            if (!Lane.TryParse(lane, out var parsed) || parsed.IsBase)
            {
                errors.Add($"{section}:AllowedLanes:{i.ToString(CultureInfo.InvariantCulture)}: '{lane}' is not a lane name.");
            }
        }

        if (!HttpToken.IsToken(options.Tokens.HeaderName))
        {
            errors.Add($"{section}:Tokens:HeaderName: '{options.Tokens.HeaderName}' is not a valid header name.");
        }

        if (options.MaxHeaderLength < 256)
        {
            errors.Add($"{section}:MaxHeaderLength: {options.MaxHeaderLength.ToString(CultureInfo.InvariantCulture)} is too small; requests need at least 256 characters per header.");
        }

        if (options.RulesPollInterval <= TimeSpan.Zero)
        {
            errors.Add($"{section}:RulesPollInterval: must be positive.");
        }

        if (options.Enabled == false && (options.Rules.Count > 0 || !string.IsNullOrWhiteSpace(options.RulesDirectory)))
        {
            errors.Add($"{section}:Enabled: is false, yet rules are configured; rules only run at the entry.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
