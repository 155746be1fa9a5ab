using System.Globalization;
using Lanes.Nacos.Client;
using Microsoft.Extensions.Options;

namespace Lanes.Nacos;

/// <summary>Validates <see cref="NacosOptions"/> on start; every failure names the configuration key that holds it.</summary>
internal sealed class NacosOptionsValidator : IValidateOptions<NacosOptions>
{
    internal const string Section = NacosOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, NacosOptions options)
    {
        var errors = new List<string>();
        if (options.ServerAddresses.Count == 0)
        {
            errors.Add($"{Section}:ServerAddresses: at least one Nacos server address is required, for example 'http://127.0.0.1:8848' (nacos-sdk-csharp's {NacosOptions.SdkSectionName}:ServerAddresses is accepted too).");
        }

        for (var i = 0; i < options.ServerAddresses.Count; i++)
        {
            if (!NacosServerList.TryParseAddress(options.ServerAddresses[i], out _))
            {
                errors.Add($"{Section}:ServerAddresses:{i.ToString(CultureInfo.InvariantCulture)}: '{options.ServerAddresses[i]}' is not a Nacos server address; write an http or https URL ('http://127.0.0.1:8848') or host:port ('nacos:8848').");
            }
        }

        if (string.IsNullOrWhiteSpace(options.GroupName))
        {
            errors.Add($"{Section}:GroupName: must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(options.ClusterName))
        {
            errors.Add($"{Section}:ClusterName: must not be empty.");
        }

        if (!string.IsNullOrEmpty(options.UserName) && string.IsNullOrEmpty(options.Password))
        {
            errors.Add($"{Section}:Password: required when {Section}:UserName is set.");
        }

        if (string.IsNullOrEmpty(options.AccessKey) != string.IsNullOrEmpty(options.SecretKey))
        {
            errors.Add(string.IsNullOrEmpty(options.SecretKey)
                ? $"{Section}:SecretKey: required when {Section}:AccessKey is set."
                : $"{Section}:AccessKey: required when {Section}:SecretKey is set.");
        }

        if (!Enum.IsDefined(options.Transport))
        {
            errors.Add($"{Section}:Transport: must be Auto, Grpc, Http or V1.");
        }

        Positive(errors, options.PushEmptyProtectionWindow, "PushEmptyProtectionWindow");
        ValidateGrpc(errors, options);

        Positive(errors, options.RequestTimeout, "RequestTimeout");
        Positive(errors, options.MinRefreshInterval, "MinRefreshInterval");
        if (options.MaxRefreshInterval < options.MinRefreshInterval)
        {
            errors.Add($"{Section}:MaxRefreshInterval: must not be shorter than {Section}:MinRefreshInterval.");
        }

        if (options.RetryBackoff < TimeSpan.Zero)
        {
            errors.Add($"{Section}:RetryBackoff: must not be negative.");
        }

        if (options.MaxRetries is < 0 or > 10)
        {
            errors.Add($"{Section}:MaxRetries: must be between 0 and 10.");
        }

        if (options.MaxResponseBytes < 1024)
        {
            errors.Add($"{Section}:MaxResponseBytes: must be at least 1024.");
        }

        if (options.MaxServices < 1)
        {
            errors.Add($"{Section}:MaxServices: must be at least 1.");
        }

        foreach (var (host, service) in options.Services)
        {
            if (!NacosServiceName.TryParse(service, options.GroupName, out _))
            {
                errors.Add($"{Section}:Services:{host}: '{service}' is not a Nacos service name ('service' or 'group@@service').");
            }
        }

        ValidatePush(errors, options.Push);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateGrpc(List<string> errors, NacosOptions options)
    {
        var grpc = options.Grpc;
        if (grpc.PortOffset is < 1 or > 65534)
        {
            errors.Add($"{Section}:Grpc:PortOffset: must be between 1 and 65534.");
        }
        else if (options.Transport is NacosTransport.Auto or NacosTransport.Grpc)
        {
            for (var i = 0; i < options.ServerAddresses.Count; i++)
            {
                if (NacosServerList.TryParseAddress(options.ServerAddresses[i], out var uri) && uri.Port + grpc.PortOffset > 65535)
                {
                    errors.Add($"{Section}:Grpc:PortOffset: {grpc.PortOffset} puts the gRPC port of '{options.ServerAddresses[i]}' past 65535.");
                }
            }
        }

        Positive(errors, grpc.ConnectTimeout, "Grpc:ConnectTimeout");
        Positive(errors, grpc.HealthCheckInterval, "Grpc:HealthCheckInterval");
    }

    private static void ValidatePush(List<string> errors, NacosPushOptions push)
    {
        if (push.UdpPort is < 0 or > 65535)
        {
            errors.Add($"{Section}:Push:UdpPort: must be between 0 and 65535.");
        }

        if (!System.Net.IPAddress.TryParse(push.BindAddress, out _))
        {
            errors.Add($"{Section}:Push:BindAddress: '{push.BindAddress}' is not an IP address.");
        }

        if (push.ClientIp is { Length: > 0 } ip && !System.Net.IPAddress.TryParse(ip, out _))
        {
            errors.Add($"{Section}:Push:ClientIp: '{ip}' is not an IP address.");
        }

        if (push.MaxDecompressedBytes < 1024)
        {
            errors.Add($"{Section}:Push:MaxDecompressedBytes: must be at least 1024.");
        }
    }

    internal static void Positive(List<string> errors, TimeSpan value, string key)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{Section}:{key}: must be positive.");
        }
    }
}
