using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Lanes.Discovery;
using Lanes.Routing.Health;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Routing;

/// <summary>
/// One selectable instance with everything the request rewrite needs computed once, when the
/// endpoint set changes, so a pick costs no parsing.
/// </summary>
internal sealed class RouteTarget
{
    private readonly string? _fixedPrefix;   // scheme://authority/path-prefix of a UriEndPoint
    private readonly string? _authority;     // host:port of an IP or DNS endpoint; scheme comes from the request
    private string? _httpPrefix;
    private string? _httpsPrefix;
    private LastRewrite? _lastRewrite;

    private RouteTarget(ServiceEndpoint endpoint, ServiceInstance? instance, string? fixedPrefix, string? authority)
    {
        Endpoint = endpoint;
        Lane = instance?.Lane ?? Lane.Base;
        Weight = instance?.Weight ?? 1;
        Healthy = instance?.Healthy ?? true;
        HostHeader = endpoint.Features.Get<IHostNameFeature>()?.HostName;
        _fixedPrefix = fixedPrefix;
        _authority = authority;
    }

    public ServiceEndpoint Endpoint { get; }

    public Lane Lane { get; }

    public double Weight { get; }

    public bool Healthy { get; }

    public string? HostHeader { get; }

    /// <summary>The instance's address, which identifies it across rebuilds of the lane index.</summary>
    public string Address => _fixedPrefix ?? _authority!;

    /// <summary>The instance's passive health, shared by every index that holds it.</summary>
    public EndpointHealth Health { get; set; } = new();

    // Discovery providers hand back the same endpoint objects for instances that did not change (Nacos does):
    // rebuilding the index of a large service then only creates targets for what changed.
    private static readonly ConditionalWeakTable<ServiceEndpoint, RouteTarget> s_targets = [];

    /// <summary>The target of an endpoint, created once per endpoint object; <see langword="null"/> for an endpoint type requests cannot be sent to.</summary>
    public static RouteTarget? For(ServiceEndpoint endpoint)
    {
        if (s_targets.TryGetValue(endpoint, out var cached))
        {
            return cached;
        }

        var created = Create(endpoint);
        return created is null ? null : s_targets.GetValue(endpoint, _ => created);
    }

    /// <summary>Creates the target, or returns <see langword="null"/> for an endpoint type requests cannot be sent to.</summary>
    public static RouteTarget? Create(ServiceEndpoint endpoint)
    {
        var instance = ServiceInstance.From(endpoint);
        switch (endpoint.EndPoint)
        {
            case UriEndPoint { Uri: var uri }:
                var prefix = string.Concat(uri.GetLeftPart(UriPartial.Authority), uri.AbsolutePath.AsSpan().TrimEnd('/'));
                return new RouteTarget(endpoint, instance, prefix, authority: null);
            case IPEndPoint ip:
                var host = ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip.Address}]" : ip.Address.ToString();
                return new RouteTarget(endpoint, instance, null, string.Create(CultureInfo.InvariantCulture, $"{host}:{ip.Port}"));
            case DnsEndPoint dns:
                var authority = dns.Port > 0 ? string.Create(CultureInfo.InvariantCulture, $"{dns.Host}:{dns.Port}") : dns.Host;
                return new RouteTarget(endpoint, instance, null, authority);
            default:
                return null;
        }
    }

    /// <summary>The request URI with the service's authority replaced by this instance's.</summary>
    /// <remarks>
    /// A <see cref="Uri"/> is immutable, so the last one built is handed out again while requests keep asking for the
    /// same service URI (the same path and query): a repeated call parses nothing and allocates nothing.
    /// </remarks>
    public Uri Rewrite(Uri serviceUri)
    {
        var last = _lastRewrite;
        var original = serviceUri.OriginalString;
        if (last is not null && string.Equals(last.ServiceUri, original, StringComparison.Ordinal))
        {
            return last.Rewritten;
        }

        var rewritten = new Uri(string.Concat(_fixedPrefix ?? PrefixFor(serviceUri.Scheme), serviceUri.PathAndQuery));
        _lastRewrite = new LastRewrite(original, rewritten);
        return rewritten;
    }

    // "scheme://authority" per request scheme, built once: the common schemes have their own fields.
    private string PrefixFor(string scheme)
    {
        var first = FirstScheme(scheme);
        if (first == Uri.UriSchemeHttp)
        {
            return _httpPrefix ??= string.Concat(Uri.UriSchemeHttp, Uri.SchemeDelimiter, _authority);
        }

        if (first == Uri.UriSchemeHttps)
        {
            return _httpsPrefix ??= string.Concat(Uri.UriSchemeHttps, Uri.SchemeDelimiter, _authority);
        }

        return string.Concat(first, Uri.SchemeDelimiter, _authority);
    }

    private sealed record LastRewrite(string ServiceUri, Uri Rewritten);

    // "https+http://svc" asks for https first; an instance address carries no scheme of its own.
    private static string FirstScheme(string scheme)
    {
        var plus = scheme.IndexOf('+', StringComparison.Ordinal);
        return plus switch
        {
            < 0 => scheme,
            _ when scheme.StartsWith("https+", StringComparison.Ordinal) => Uri.UriSchemeHttps,
            _ when scheme.StartsWith("http+", StringComparison.Ordinal) => Uri.UriSchemeHttp,
            _ => scheme[..plus],
        };
    }

    public override string ToString() => Endpoint.ToString() ?? string.Empty;
}
