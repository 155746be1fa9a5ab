using Microsoft.Extensions.Options;

namespace Lanes.Kubernetes;

/// <summary>Checks <see cref="KubernetesDiscoveryOptions"/> on start, naming the key of every bad value.</summary>
internal sealed class KubernetesDiscoveryOptionsValidator : IValidateOptions<KubernetesDiscoveryOptions>
{
    public ValidateOptionsResult Validate(string? name, KubernetesDiscoveryOptions options)
    {
        var errors = new List<string>();
        const string Key = KubernetesDiscoveryOptions.SectionName;
        if (!string.IsNullOrEmpty(options.Namespace) && !KubernetesNames.IsLabel(options.Namespace))
        {
            errors.Add($"{Key}:Namespace: '{options.Namespace}' is not a Kubernetes namespace name (lowercase letters, digits and '-', at most 63).");
        }

        if (!string.IsNullOrEmpty(options.KubeConfigPath) && !File.Exists(options.KubeConfigPath))
        {
            errors.Add($"{Key}:KubeConfigPath: the file '{options.KubeConfigPath}' does not exist.");
        }

        if (string.IsNullOrEmpty(options.ClusterDomain) || Uri.CheckHostName(options.ClusterDomain) != UriHostNameType.Dns)
        {
            errors.Add($"{Key}:ClusterDomain: '{options.ClusterDomain}' is not a DNS domain such as 'cluster.local'.");
        }

        if (options.MaxNamespaces < 1)
        {
            errors.Add($"{Key}:MaxNamespaces: {options.MaxNamespaces} must be at least 1.");
        }

        Positive(errors, $"{Key}:InitialSyncTimeout", options.InitialSyncTimeout);
        Positive(errors, $"{Key}:ReconnectDelay", options.ReconnectDelay);
        Positive(errors, $"{Key}:MaxReconnectDelay", options.MaxReconnectDelay);
        if (options.MaxReconnectDelay < options.ReconnectDelay)
        {
            errors.Add($"{Key}:MaxReconnectDelay: {options.MaxReconnectDelay} is shorter than ReconnectDelay ({options.ReconnectDelay}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero || value > TimeSpan.FromHours(1))
        {
            errors.Add($"{key}: {value} must be more than zero and at most an hour.");
        }
    }
}
