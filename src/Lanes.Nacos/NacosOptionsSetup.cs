using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Lanes.Nacos;

/// <summary>
/// Binds <see cref="NacosOptions"/>: first the keys nacos-sdk-csharp reads in the <c>nacos</c> section, then
/// <c>Lanes:Nacos</c>, which wins where both set a value.
/// </summary>
internal sealed class NacosOptionsSetup(IConfiguration configuration) : IConfigureOptions<NacosOptions>
{
    public void Configure(NacosOptions options)
    {
        ApplySdkSection(configuration.GetSection(NacosOptions.SdkSectionName), options);

        var section = configuration.GetSection(NacosOptions.SectionName);
        if (section.GetSection(nameof(NacosOptions.ServerAddresses)).Exists())
        {
            // A list binds by appending; Lanes:Nacos replaces what the nacos section gave.
            options.ServerAddresses.Clear();
        }

        section.Bind(options);
        SplitAddresses(section[nameof(NacosOptions.ServerAddresses)], options.ServerAddresses);
    }

    private static void ApplySdkSection(IConfigurationSection sdk, NacosOptions options)
    {
        if (!sdk.Exists())
        {
            return;
        }

        foreach (var child in sdk.GetSection("ServerAddresses").GetChildren())
        {
            if (!string.IsNullOrWhiteSpace(child.Value))
            {
                options.ServerAddresses.Add(child.Value);
            }
        }

        SplitAddresses(sdk["ServerAddresses"], options.ServerAddresses);
        Set(sdk, "ContextPath", v => options.ContextPath = v);
        Set(sdk, "Namespace", v => options.Namespace = v);
        Set(sdk, "GroupName", v => options.GroupName = v);
        Set(sdk, "ClusterName", v => options.ClusterName = v);
        Set(sdk, "UserName", v => options.UserName = v);
        Set(sdk, "Password", v => options.Password = v);
        Set(sdk, "AccessKey", v => options.AccessKey = v);
        Set(sdk, "SecretKey", v => options.SecretKey = v);

        // nacos-sdk-csharp's NamingUseRpc=false is its HTTP (v1) naming client.
        Set(sdk, "NamingUseRpc", v => options.Transport = ParseBool(v, "NamingUseRpc") ? NacosTransport.Auto : NacosTransport.V1);
        Set(sdk, "DefaultTimeOut", v => options.RequestTimeout = TimeSpan.FromMilliseconds(ParseInt(v, "DefaultTimeOut")));
        Set(sdk, "NamingCacheRegistryDir", v => options.FailoverCacheDirectory = v);
        Set(sdk, "NamingLoadCacheAtStart", v => options.FailoverCacheEnabled = ParseBool(v, "NamingLoadCacheAtStart"));
        Set(sdk, "NamingPushEmptyProtection", v => options.PushEmptyProtection = ParseBool(v, "NamingPushEmptyProtection"));

        var registration = options.Registration;
        Set(sdk, "ServiceName", v => registration.ServiceName = v);
        Set(sdk, "Ip", v => registration.Ip = v);
        Set(sdk, "PreferredNetworks", v => registration.PreferredNetworks = v);
        Set(sdk, "Port", v => registration.Port = ParseInt(v, "Port"));
        Set(sdk, "Weight", v => registration.Weight = double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture));
        Set(sdk, "RegisterEnabled", v => registration.Enabled = ParseBool(v, "RegisterEnabled"));
        Set(sdk, "InstanceEnabled", v => registration.InstanceEnabled = ParseBool(v, "InstanceEnabled"));
        Set(sdk, "Ephemeral", v => registration.Ephemeral = ParseBool(v, "Ephemeral"));
        Set(sdk, "Secure", v => registration.Secure = ParseBool(v, "Secure"));
        foreach (var child in sdk.GetSection("Metadata").GetChildren())
        {
            registration.Metadata[child.Key] = child.Value ?? string.Empty;
        }
    }

    private static void Set(IConfigurationSection section, string key, Action<string> apply)
    {
        if (section[key] is { Length: > 0 } value)
        {
            apply(value);
        }
    }

    private static int ParseInt(string value, string key) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw new InvalidOperationException($"{NacosOptions.SdkSectionName}:{key}: '{value}' is not a whole number.");

    private static bool ParseBool(string value, string key) =>
        bool.TryParse(value, out var result)
            ? result
            : throw new InvalidOperationException($"{NacosOptions.SdkSectionName}:{key}: '{value}' is not true or false.");

    private static void SplitAddresses(string? value, List<string> addresses)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        addresses.Clear();
        foreach (var part in value.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            addresses.Add(part);
        }
    }
}
