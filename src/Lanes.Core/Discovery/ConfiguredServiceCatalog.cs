using System.Collections.Frozen;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Discovery;

/// <summary>
/// The embedded discovery's current view of <c>Lanes:Services</c>: the endpoints of each service,
/// rebuilt when configuration changes, with a change token that fires once the new view is in place.
/// A reload with invalid entries keeps the last good view and logs what was wrong.
/// </summary>
internal sealed partial class ConfiguredServiceCatalog : IDisposable
{
    private readonly IOptionsFactory<LanesOptions> _factory;
    private readonly ILogger<ConfiguredServiceCatalog> _logger;
    private readonly IDisposable? _subscription;
    private volatile Snapshot _current;

    public ConfiguredServiceCatalog(
        IOptions<LanesOptions> options,
        IOptionsFactory<LanesOptions> factory,
        ILogger<ConfiguredServiceCatalog> logger,
        IConfiguration? configuration = null)
    {
        _factory = factory;
        _logger = logger;
        _current = new Snapshot(Build(options.Value.Services, errors: null), Fingerprint(options.Value.Services));

        // The catalog may be created lazily inside a request: keep that request's lane off the reload callbacks.
        if (configuration is not null)
        {
            using (ExecutionContext.SuppressFlow())
            {
                _subscription = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
            }
        }
    }

    /// <summary>Whether configuration lists the service.</summary>
    public bool Contains(string serviceName) => _current.Services.ContainsKey(serviceName);

    /// <summary>The endpoints of a service (empty when not listed) and a token that fires when they change.</summary>
    public ServiceEndpoint[] GetEndpoints(string serviceName, out IChangeToken changeToken)
    {
        var snapshot = _current;
        changeToken = snapshot.ChangeToken;
        return snapshot.Services.TryGetValue(serviceName, out var endpoints) ? endpoints : [];
    }

    /// <summary>
    /// Builds the endpoints of every configured service. Invalid entries are reported to
    /// <paramref name="errors"/> with the configuration key that holds them, and skipped.
    /// </summary>
    internal static FrozenDictionary<string, ServiceEndpoint[]> Build(
        Dictionary<string, List<ConfiguredInstanceOptions>> services, List<string>? errors)
    {
        var result = new Dictionary<string, ServiceEndpoint[]>(services.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (serviceName, instances) in services)
        {
            var key = $"{LanesOptions.SectionName}:Services:{serviceName}";
            if (Uri.CheckHostName(serviceName) != UriHostNameType.Dns)
            {
                errors?.Add($"{key}: '{serviceName}' is not a valid service name; use a DNS-style host name such as 'orders'.");
                continue;
            }

            var endpoints = new List<ServiceEndpoint>(instances.Count);
            for (var i = 0; i < instances.Count; i++)
            {
                if (TryCreate(instances[i], $"{key}:{i.ToString(CultureInfo.InvariantCulture)}", errors) is { } instance)
                {
                    endpoints.Add(instance.ToServiceEndpoint());
                }
            }

            result[serviceName] = [.. endpoints];
        }

        return result.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    private static ServiceInstance? TryCreate(ConfiguredInstanceOptions options, string key, List<string>? errors)
    {
        var valid = true;
        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            errors?.Add($"{key}:Url: '{options.Url}' is not an absolute http or https address such as 'http://127.0.0.1:5001'.");
            valid = false;
        }

        var lane = Lane.Base;
        if (!string.IsNullOrEmpty(options.Lane) && !Lane.TryParse(options.Lane, out lane))
        {
            errors?.Add($"{key}:Lane: '{options.Lane}' is not a valid lane: {Lane.DescribeError(Lane.Validate(options.Lane))}.");
            valid = false;
        }

        if (!(options.Weight >= 0 && options.Weight <= ServiceInstance.MaxWeight))
        {
            errors?.Add($"{key}:Weight: {options.Weight.ToString(CultureInfo.InvariantCulture)} is outside 0 to {ServiceInstance.MaxWeight.ToString(CultureInfo.InvariantCulture)}.");
            valid = false;
        }

        return valid ? new ServiceInstance(new UriEndPoint(uri!), lane, options.Weight, options.Healthy) : null;
    }

    private void Reload()
    {
        FrozenDictionary<string, ServiceEndpoint[]> services;
        string fingerprint;
        try
        {
            // The factory binds and validates exactly as at start, so a bad reload fails the same way.
            var configured = _factory.Create(Options.DefaultName).Services;
            fingerprint = Fingerprint(configured);
            if (fingerprint == _current.Fingerprint)
            {
                return;   // another part of configuration changed
            }

            services = Build(configured, errors: null);
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
        {
            // The running view stays; the operator sees why.
            Log.ReloadRejected(_logger, ex.Message);
            return;
        }

        var previous = _current;
        _current = new Snapshot(services, fingerprint);
        previous.Changed.Cancel();
        Log.Reloaded(_logger, services.Count);
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _current.Changed.Dispose();
    }

    private static string Fingerprint(Dictionary<string, List<ConfiguredInstanceOptions>> services)
    {
        var builder = new System.Text.StringBuilder();
        foreach (var (name, instances) in services.OrderBy(static s => s.Key, StringComparer.OrdinalIgnoreCase))
        {
            builder.Append(name.ToUpperInvariant()).Append('{');
            foreach (var i in instances)
            {
                builder.Append(CultureInfo.InvariantCulture, $"{i.Url}|{i.Lane}|{i.Weight}|{i.Healthy};");
            }

            builder.Append('}');
        }

        return builder.ToString();
    }

    private sealed class Snapshot(FrozenDictionary<string, ServiceEndpoint[]> services, string fingerprint)
    {
        public FrozenDictionary<string, ServiceEndpoint[]> Services { get; } = services;

        public string Fingerprint { get; } = fingerprint;

        public CancellationTokenSource Changed { get; } = new();

        public IChangeToken ChangeToken => field ??= new CancellationChangeToken(Changed.Token);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Reloaded the configured instances of {ServiceCount} services.", EventName = "ConfiguredServicesReloaded")]
        public static partial void Reloaded(ILogger logger, int serviceCount);

        [LoggerMessage(2, LogLevel.Error, "Ignored a reload of Lanes:Services and kept the previous instances: {Reason}", EventName = "ConfiguredServicesReloadRejected")]
        public static partial void ReloadRejected(ILogger logger, string reason);
    }
}
