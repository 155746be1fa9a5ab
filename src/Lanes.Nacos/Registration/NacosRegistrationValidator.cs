using Lanes.Discovery;
using Lanes.Nacos.Client;
using Microsoft.Extensions.Options;

namespace Lanes.Nacos.Registration;

/// <summary>Validates the registration part of <see cref="NacosOptions"/>; added only when self-registration is.</summary>
internal sealed class NacosRegistrationValidator : IValidateOptions<NacosOptions>
{
    private const string Section = NacosOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, NacosOptions options)
    {
        var errors = new List<string>();
        Validate(errors, options.Registration, options.GroupName);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Validate(List<string> errors, NacosRegistrationOptions registration, string groupName)
    {
        if (!registration.Enabled)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(registration.ServiceName))
        {
            errors.Add($"{Section}:Registration:ServiceName: required to register this instance (or set {Section}:Registration:Enabled to false).");
        }
        else if (!NacosServiceName.TryParse(registration.ServiceName, groupName, out _))
        {
            errors.Add($"{Section}:Registration:ServiceName: '{registration.ServiceName}' is not a Nacos service name ('service' or 'group@@service').");
        }

        if (registration.Port is < 1 or > 65535)
        {
            errors.Add($"{Section}:Registration:Port: must be between 1 and 65535.");
        }

        if (!(registration.Weight >= 0 && registration.Weight <= ServiceInstance.MaxWeight))
        {
            errors.Add($"{Section}:Registration:Weight: must be between 0 and 10000.");
        }

        if (registration.Ip is { Length: > 0 } ip && !System.Net.IPAddress.TryParse(ip, out _))
        {
            errors.Add($"{Section}:Registration:Ip: '{ip}' is not an IP address.");
        }

        NacosOptionsValidator.Positive(errors, registration.HeartbeatInterval, "Registration:HeartbeatInterval");
        NacosOptionsValidator.Positive(errors, registration.DeregisterTimeout, "Registration:DeregisterTimeout");
    }

}
