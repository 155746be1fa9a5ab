using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;

namespace Lanes.Nacos.Registration;

/// <summary>
/// Finds the address and port this instance registers: configured values first, then <c>POD_IP</c> (the
/// Kubernetes downward API), then this machine's addresses filtered by <c>PreferredNetworks</c>; the port from
/// configuration, else the host's <c>urls</c> or <c>HTTP_PORTS</c>.
/// </summary>
internal static class InstanceAddressResolver
{
    public static string ResolveIp(NacosRegistrationOptions options, Func<string, string?> environment)
    {
        if (!string.IsNullOrEmpty(options.Ip))
        {
            return options.Ip;
        }

        if (environment("POD_IP") is { Length: > 0 } podIp && IPAddress.TryParse(podIp, out _))
        {
            return podIp;
        }

        var preferred = string.IsNullOrWhiteSpace(options.PreferredNetworks)
            ? []
            : options.PreferredNetworks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string? first = null;
        try
        {
            foreach (var network in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (network.OperationalStatus != OperationalStatus.Up || network.NetworkInterfaceType == NetworkInterfaceType.Loopback)
                {
                    continue;
                }

                foreach (var unicast in network.GetIPProperties().UnicastAddresses)
                {
                    if (unicast.Address.AddressFamily != AddressFamily.InterNetwork || IPAddress.IsLoopback(unicast.Address))
                    {
                        continue;
                    }

                    var text = unicast.Address.ToString();
                    if (preferred.Length == 0)
                    {
                        return text;
                    }

                    first ??= text;
                    foreach (var prefix in preferred)
                    {
                        if (text.StartsWith(prefix, StringComparison.Ordinal))
                        {
                            return text;
                        }
                    }
                }
            }
        }
        catch (NetworkInformationException)
        {
            // No interface information (restricted sandbox): fall through.
        }

        return first ?? IPAddress.Loopback.ToString();
    }

    public static int? ResolvePort(NacosRegistrationOptions options, IConfiguration configuration)
    {
        if (options.Port is { } port)
        {
            return port;
        }

        if (configuration["urls"] is { Length: > 0 } urls)
        {
            foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                // Kestrel's wildcards are not host names Uri accepts.
                var normalized = url.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal);
                if (Uri.TryCreate(normalized, UriKind.Absolute, out var uri) && uri.Port > 0)
                {
                    return uri.Port;
                }
            }
        }

        foreach (var key in (ReadOnlySpan<string>)["http_ports", "https_ports"])
        {
            if (configuration[key] is { Length: > 0 } ports)
            {
                var firstPort = ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0];
                if (int.TryParse(firstPort, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed is > 0 and <= 65535)
                {
                    return parsed;
                }
            }
        }

        return null;
    }
}
