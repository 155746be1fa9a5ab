using System.Globalization;
using Lanes.Identity;
using Lanes.Nacos.Client;
using Lanes.Nacos.Discovery;
using Lanes.Nacos.Subscriptions;
using Lanes.Nacos.Transport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.Nacos.Registration;

/// <summary>
/// Registers this instance once the host has started (so its server listens), tagged with its lane the way
/// MSE does, keeps it alive (over HTTP with heartbeats, re-registering when the server answers 20404; over gRPC
/// the connection keeps it, and it is registered again after every reconnect), and deregisters it when the host
/// begins to stop, before the server stops accepting requests.
/// </summary>
internal sealed partial class NacosRegistrationService : IHostedLifecycleService, IAsyncDisposable
{
    /// <summary>The metadata key that tells operators who registered the instance.</summary>
    public const string RegisterSourceKey = "preserved.register.source";

    /// <summary>
    /// The metadata key holding when this process registered (UTC, ISO 8601). A restarted instance re-registers with a
    /// new value even at the same address, so callers see a new entry and drop what they held against the old process
    /// (an ejection after it was killed); Dubbo's <c>timestamp</c> parameter serves the same purpose.
    /// </summary>
    public const string StartedAtKey = "lanes.started-at";

    private static readonly TimeSpan s_minBeatInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_maxBeatInterval = TimeSpan.FromSeconds(60);

    private readonly NacosOptions _options;
    private readonly NacosTransportSelector _transports;
    private readonly NacosLogThrottle _throttle;
    private readonly InstanceLane _instanceLane;
    private readonly IConfiguration _configuration;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private NacosInstance? _instance;
    private INacosNamingTransport? _registeredWith;
    private Task? _loop;
    private volatile bool _registered;

    public NacosRegistrationService(
        IOptions<NacosOptions> options,
        NacosTransportSelector transports,
        NacosLogThrottle throttle,
        InstanceLane instanceLane,
        IConfiguration configuration,
        TimeProvider timeProvider,
        ILogger<NacosRegistrationService> logger)
    {
        _options = options.Value;
        _transports = transports;
        _throttle = throttle;
        _instanceLane = instanceLane;
        _configuration = configuration;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>The instance as registered, once the host has started.</summary>
    internal NacosInstance? Instance => _instance;

    internal bool Registered => _registered;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        if (!_options.Registration.Enabled)
        {
            return;
        }

        _instance = BuildInstance();
        await TryRegisterAsync(_instance, cancellationToken).ConfigureAwait(false);

        // Keep any ambient state off the heartbeat loop; its first timer is armed before startup completes.
        using (ExecutionContext.SuppressFlow())
        {
            _loop = RunAsync(_instance, _stopping.Token);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs before any hosted service stops (the web server included): traffic drains away first.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (_instance is not { } instance || !_registered || _registeredWith is not { } transport)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(_options.Registration.DeregisterTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await transport.DeregisterAsync(instance, linked.Token).ConfigureAwait(false);
            _registered = false;
            Log.Deregistered(_logger, instance.Service.Grouped, instance.Ip, instance.Port);
        }
        catch (Exception ex) when (ex is NacosException or OperationCanceledException or HttpRequestException)
        {
            // The server drops an ephemeral instance once its heartbeats stop (or its connection closes) anyway.
            Log.DeregisterFailed(_logger, instance.Service.Grouped, instance.Ip, instance.Port, ex.Message);
        }
    }

    internal NacosInstance BuildInstance()
    {
        var registration = _options.Registration;
        if (!NacosServiceName.TryParse(registration.ServiceName, _options.GroupName, out var service))
        {
            throw new InvalidOperationException($"{NacosOptions.SectionName}:Registration:ServiceName: required to register this instance.");
        }

        var port = InstanceAddressResolver.ResolvePort(registration, _configuration)
            ?? throw new InvalidOperationException(
                $"{NacosOptions.SectionName}:Registration:Port: no port to register '{service.Grouped}' with; set it, or the host's 'urls' or 'HTTP_PORTS'.");
        var ip = InstanceAddressResolver.ResolveIp(registration, Environment.GetEnvironmentVariable);

        var metadata = new Dictionary<string, string>(registration.Metadata, StringComparer.Ordinal)
        {
            [RegisterSourceKey] = "LANES",
            [StartedAtKey] = _timeProvider.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
        };
        if (registration.HeartbeatInterval != TimeSpan.FromSeconds(5))
        {
            metadata["preserved.heart.beat.interval"] = ((long)registration.HeartbeatInterval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        }

        if (registration.Secure)
        {
            metadata["secure"] = "true";
        }

        new LaneMetadata(_options.LaneMetadata).Write(_instanceLane.Lane, metadata);
        return new NacosInstance(service, ip, port, _options.ClusterName, registration.Weight, registration.InstanceEnabled, registration.Ephemeral, metadata);
    }

    private async Task<bool> TryRegisterAsync(NacosInstance instance, CancellationToken cancellationToken)
    {
        try
        {
            var transport = await _transports.GetAsync(cancellationToken).ConfigureAwait(false);
            await transport.RegisterAsync(instance, cancellationToken).ConfigureAwait(false);
            _registeredWith = transport;
            _registered = true;
            Log.Registered(_logger, instance.Service.Grouped, instance.Ip, instance.Port, _instanceLane.Lane.ToString(), NacosMetrics.TransportName(transport.Kind));
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // An outage is reported once a minute; a refusal (configuration) every time.
            var level = ex is NacosException { Transient: true } ? _throttle.NextLevel() : LogLevel.Warning;
            Log.RegisterFailed(_logger, level == LogLevel.Warning ? LogLevel.Error : level, instance.Service.Grouped, instance.Ip, instance.Port, ex.Message);
            return false;
        }
    }

    private async Task RunAsync(NacosInstance instance, CancellationToken cancellationToken)
    {
        var interval = _options.Registration.HeartbeatInterval;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // Not registered (Nacos was down at start): try every second, so the instance is in the registry within
                // one heartbeat interval of Nacos answering again.
                await Task.Delay(_registered ? interval : TimeSpan.FromTicks(Math.Min(interval.Ticks, s_minBeatInterval.Ticks)), _timeProvider, cancellationToken).ConfigureAwait(false);
                if (!_registered)
                {
                    // The first registration failed (Nacos down at start): keep trying.
                    await TryRegisterAsync(instance, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (!instance.Ephemeral)
                {
                    // Persistent instances are health-checked by the server, not kept alive by beats.
                    return;
                }

                if (_registeredWith is not { UsesHeartbeats: true } transport)
                {
                    // gRPC: the connection keeps the instance, and the transport registers it again after a reconnect.
                    return;
                }

                var result = await transport.BeatAsync(instance, cancellationToken).ConfigureAwait(false);
                if (result.ClientBeatInterval is { } serverInterval)
                {
                    interval = TimeSpan.FromTicks(Math.Clamp(serverInterval.Ticks, s_minBeatInterval.Ticks, s_maxBeatInterval.Ticks));
                }

                if (result.InstanceNotFound)
                {
                    // The server lost the instance (restart, expiry after a pause): register it again.
                    Log.InstanceNotFound(_logger, instance.Service.Grouped, instance.Ip, instance.Port);
                    _registered = false;
                    await TryRegisterAsync(instance, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.HeartbeatFailed(_logger, ex is NacosException { Transient: true } ? _throttle.NextLevel() : LogLevel.Warning, instance.Service.Grouped, instance.Ip, instance.Port, ex.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        if (_loop is not null)
        {
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stopping.Dispose();
    }
}
