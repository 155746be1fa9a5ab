using System.Net;
using System.Net.Sockets;

namespace Lanes.AspNetCore.Entry.Trust;

/// <summary>The peers whose lane is kept: CIDRs or single addresses, IPv4-mapped IPv6 peers compared as IPv4.</summary>
internal sealed class TrustedNetworks
{
    private readonly IPNetwork[] _networks;

    private TrustedNetworks(IPNetwork[] networks) => _networks = networks;

    public bool IsEmpty => _networks.Length == 0;

    public bool Contains(IPAddress? address)
    {
        if (address is null || _networks.Length == 0)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        for (var i = 0; i < _networks.Length; i++)
        {
            if (_networks[i].Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses the configured entries; each bad one is reported with its key.</summary>
    public static TrustedNetworks Parse(IReadOnlyList<string> entries, List<string> errors)
    {
        var networks = new List<IPNetwork>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var text = entries[i]?.Trim() ?? string.Empty;
            if (IPNetwork.TryParse(text, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(text, out var address))
            {
                address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
                networks.Add(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                errors.Add($"{LaneEntryOptions.SectionName}:TrustedProxies:{i}: '{text}' is not a CIDR such as 10.0.0.0/8 or an IP address.");
            }
        }

        return new TrustedNetworks([.. networks]);
    }
}
