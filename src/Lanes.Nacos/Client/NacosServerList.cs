using System.Globalization;

namespace Lanes.Nacos.Client;

/// <summary>
/// The configured servers and which one is in use. A failure moves every caller to the next server;
/// concurrent failures of the same server move it only once.
/// </summary>
internal sealed class NacosServerList
{
    private readonly Uri[] _servers;
    private int _current;

    public NacosServerList(IReadOnlyList<string> addresses, string contextPath)
    {
        var servers = new List<Uri>(addresses.Count);
        var path = contextPath.Trim('/');
        foreach (var address in addresses)
        {
            if (TryParseAddress(address, out var uri))
            {
                // Every request path is relative to http://host:port/<context>/.
                servers.Add(new Uri(uri, path.Length == 0 ? "/" : "/" + path + "/"));
            }
        }

        if (servers.Count == 0)
        {
            throw new InvalidOperationException($"{NacosOptions.SectionName}:ServerAddresses: no valid Nacos server address is configured.");
        }

        _servers = [.. servers];
    }

    public int Count => _servers.Length;

    /// <summary>The index of the server in use; pass it back to <see cref="Failed"/>.</summary>
    public int CurrentIndex => Volatile.Read(ref _current);

    public Uri this[int index] => _servers[index];

    /// <summary>Makes <paramref name="index"/> the server in use (a connection to it succeeded).</summary>
    public void Use(int index) => Volatile.Write(ref _current, index);

    /// <summary>The index of the server at <paramref name="host"/>:<paramref name="port"/>, or -1 when it is not in the list.</summary>
    public int IndexOf(string host, int port)
    {
        for (var i = 0; i < _servers.Length; i++)
        {
            if (_servers[i].Port == port && string.Equals(_servers[i].Host, host, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Moves away from <paramref name="index"/> unless another caller already did.</summary>
    public void Failed(int index) =>
        Interlocked.CompareExchange(ref _current, (index + 1) % _servers.Length, index);

    /// <summary>
    /// Accepts <c>http://host[:port]</c>, <c>https://host[:port]</c> or a bare <c>host:port</c> (taken as http). A bare
    /// address needs its port: <c>not-a-url</c> or a scheme missing a slash (<c>http:/x</c>) is a typo, not a host.
    /// </summary>
    public static bool TryParseAddress(string? address, out Uri uri)
    {
        uri = null!;
        if (string.IsNullOrWhiteSpace(address))
        {
            return false;
        }

        var candidate = address.Trim();
        if (!candidate.Contains("://", StringComparison.Ordinal))
        {
            var colon = candidate.LastIndexOf(':');
            if (colon <= 0 || candidate.Contains('/', StringComparison.Ordinal)
                || !int.TryParse(candidate.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                return false;
            }

            candidate = "http://" + candidate;
        }

        if (!Uri.TryCreate(candidate, UriKind.Absolute, out var parsed)
            || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps)
            || parsed.HostNameType is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6)
            || !string.IsNullOrEmpty(parsed.Query) || !string.IsNullOrEmpty(parsed.Fragment) || !string.IsNullOrEmpty(parsed.UserInfo))
        {
            return false;
        }

        uri = new Uri(parsed.GetLeftPart(UriPartial.Authority));
        return true;
    }
}
