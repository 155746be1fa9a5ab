using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Lanes.Nacos.Client;
using Lanes.Nacos.Grpc.Protocol;
using Lanes.Nacos.Registration;
using Lanes.Nacos.Subscriptions;
using Lanes.Nacos.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.Nacos.Grpc;

/// <summary>
/// The client's one gRPC connection to Nacos (main port + <see cref="NacosGrpcOptions.PortOffset"/>), as the 2.x/3.x
/// SDKs keep it:
/// <list type="bullet">
/// <item>connect: a unary <c>ServerCheckRequest</c> gives the connection id, then the <c>BiRequestStream</c> opens and
/// carries a <c>ConnectionSetupRequest</c> (client version, namespace, labels, an ability table); the server confirms
/// the registration with a <c>SetupAckRequest</c> (servers without ability negotiation get 100 ms, as the Java client
/// gives them);</item>
/// <item>requests: unary <c>Request</c> calls with credentials in the payload headers; "connection unregistered" (301)
/// or a broken call reconnects and retries within <see cref="NacosOptions.RequestTimeout"/>, a refused token (403)
/// logs in again once;</item>
/// <item>server requests on the stream: <c>NotifySubscriberRequest</c> goes to the push target and is acknowledged,
/// <c>ClientDetectionRequest</c> is answered, <c>ConnectResetRequest</c> is answered and moves the connection to the
/// server it names (when it is in the list) or the next one; anything else is ignored and counted;</item>
/// <item>keep-alive: an idle connection sends a <c>HealthCheckRequest</c> every
/// <see cref="NacosGrpcOptions.HealthCheckInterval"/>; a failed check, a lost stream or a reset reconnects, trying the
/// servers in turn with a growing pause (100 ms up to 2 s); after a reconnect <see cref="OnReconnected"/> registers
/// this client's instances again and the catalog subscribes again, as the Java SDK's redo does after a server restart.</item>
/// </list>
/// </summary>
internal sealed partial class NacosGrpcConnection : IAsyncDisposable
{
    // Short enough that a registry back from an outage has every instance registered again within one heartbeat
    // interval (5 s by default); a refused connection attempt every 2 s costs next to nothing.
    private static readonly TimeSpan s_maxReconnectPause = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan s_legacySetupWait = TimeSpan.FromMilliseconds(100);
    private const int HealthCheckAttempts = 3;

    private readonly NacosOptions _options;
    private readonly NacosServerList _servers;
    private readonly NacosAuthenticator _authenticator;
    private readonly NacosConnectionStatus _status;
    private readonly NacosMetrics _metrics;
    private readonly NacosLogThrottle _throttle;
    private readonly NacosPushRouter _pushes;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly Lock _gate = new();
    private Session? _session;
    private TaskCompletionSource<Session> _ready = NewReady();
    private TaskCompletionSource _wake = NewWake();
    private Task? _supervisor;
    private Session? _moving;
    private int _recommended = -1;
    private bool _connectedBefore;
    private volatile bool _redoPending;
    private long _requestIds;
    private string? _clientIp;

    public NacosGrpcConnection(
        IOptions<NacosOptions> options,
        NacosAuthenticator authenticator,
        NacosConnectionStatus status,
        NacosMetrics metrics,
        NacosLogThrottle throttle,
        NacosPushRouter pushes,
        TimeProvider timeProvider,
        ILogger<NacosGrpcConnection> logger)
    {
        _pushes = pushes;
        _options = options.Value;
        _servers = new NacosServerList(_options.ServerAddresses, _options.ContextPath);
        _authenticator = authenticator;
        _status = status;
        _metrics = metrics;
        _throttle = throttle;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Runs after every reconnect (not the first connect): registers this client's instances again.</summary>
    public Func<CancellationToken, Task>? OnReconnected { get; set; }

    /// <summary>
    /// Whether a server of the last connection round accepted the TCP connection on its gRPC port but did not finish
    /// the handshake in time: something listens there (a server slow to answer, say at a cold start), unlike a port
    /// that refuses connections or drops them.
    /// </summary>
    public bool LastRoundReachedServer { get; private set; }

    /// <summary>Whether a connection is up.</summary>
    public bool IsConnected => Volatile.Read(ref _session) is { IsAlive: true };

    /// <summary>The largest gRPC message read at all; a larger one breaks the stream (the client reconnects).</summary>
    internal int MaxMessageBytes => (int)Math.Min((long)_options.MaxResponseBytes * 2, int.MaxValue);

    private string ClientIp => _clientIp ??= InstanceAddressResolver.ResolveIp(_options.Registration, Environment.GetEnvironmentVariable);

    /// <summary>
    /// Connects once over the whole server list (for <see cref="NacosTransport.Auto"/>): <see langword="true"/> when a
    /// server answered and the connection is set up, after which it is kept up in the background.
    /// </summary>
    public async Task<bool> TryConnectAsync(TimeSpan handshakeTimeout, CancellationToken cancellationToken)
    {
        if (IsConnected)
        {
            return true;
        }

        var connected = await ConnectRoundAsync(pauseBetweenAttempts: TimeSpan.Zero, handshakeTimeout, cancellationToken).ConfigureAwait(false);
        if (connected)
        {
            EnsureSupervisor();
        }

        return connected;
    }

    /// <summary>
    /// Sends one request and returns the response's body and fields. Waits for a connection (the background loop
    /// reconnects) and retries on a broken call or an unregistered connection, all within <see cref="NacosOptions.RequestTimeout"/>.
    /// </summary>
    public async Task<(ByteString Body, NacosGrpcBody Fields)> RequestAsync(
        string type,
        NacosServiceName? service,
        Action<Utf8JsonWriter> fields,
        string operation,
        CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(_options.RequestTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var reloggedIn = false;
        Exception? last = null;
        for (var attempt = 0; attempt < 5 && !linked.IsCancellationRequested; attempt++)
        {
            Session session;
            try
            {
                session = await GetSessionAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }

            var identity = await _authenticator.GetIdentityAsync(_servers[session.ServerIndex], service, linked.Token).ConfigureAwait(false);
            var payload = NacosGrpcCodec.Request(type, NacosGrpcCodec.Naming, NextRequestId(), ClientIp, identity, fields);
            Payload response;
            try
            {
                response = await session.UnaryAsync(payload, linked.Token).ConfigureAwait(false);
            }
            catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (deadline.IsCancellationRequested)
                {
                    break;
                }

                last = ex;
                LoseSession(session, $"{operation} failed: {ex.StatusCode} {ex.Status.Detail}");
                continue;
            }

            session.Touch(_timeProvider);
            var body = response.Body?.Value ?? ByteString.Empty;
            if (body.Length > _options.MaxResponseBytes)
            {
                _metrics.Ignored(NacosMetrics.Grpc, "oversized");
                throw new NacosException($"Nacos at {session.Authority} answered {operation} with {body.Length} bytes, more than the {_options.MaxResponseBytes} allowed ({NacosOptions.SectionName}:MaxResponseBytes).", transient: false);
            }

            if (!NacosGrpcBody.TryRead(body.Span, out var answer, out var error))
            {
                _metrics.Ignored(NacosMetrics.Grpc, "not_json");
                throw new NacosException($"Nacos at {session.Authority} answered {operation} with a payload Lanes cannot read ({response.Metadata?.Type}: {error}).", transient: false);
            }

            if (answer.ErrorCode == NacosGrpcTypes.UnregisteredConnection)
            {
                // The server does not know this connection (it restarted, or dropped it): connect again and retry.
                last = new NacosException($"Nacos at {session.Authority}: {answer.Message}", transient: true);
                LoseSession(session, "the server no longer knows the connection");
                continue;
            }

            if (answer.ErrorCode == NacosGrpcTypes.NoRight)
            {
                if (_authenticator.LoginEnabled && !reloggedIn)
                {
                    // The token expired early or the server restarted with a new secret: log in again and retry.
                    _authenticator.Invalidate(identity.AccessToken);
                    reloggedIn = true;
                    continue;
                }

                throw _authenticator.Rejected(session.Authority, $"{operation} answered 403 {answer.Message}");
            }

            if (!answer.Success)
            {
                var transient = answer.ErrorCode is NacosGrpcTypes.InvalidServerStatus or 500 or 502 or 503;
                throw new NacosException($"Nacos at {session.Authority} refused to {operation}: {answer.ErrorCode} {answer.Message}", transient);
            }

            return (body, answer);
        }

        throw new NacosException($"Could not {operation}: no gRPC connection to Nacos answered within {_options.RequestTimeout}.", last, transient: true);
    }

    private async Task<Session> GetSessionAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task<Session> ready;
            lock (_gate)
            {
                if (_session is { IsAlive: true } current)
                {
                    return current;
                }

                ready = _ready.Task;
            }

            EnsureSupervisor();
            var session = await ready.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (session.IsAlive)
            {
                return session;
            }
        }
    }

    private void EnsureSupervisor()
    {
        lock (_gate)
        {
            if (_supervisor is not null || _stopping.IsCancellationRequested)
            {
                return;
            }

            // Keep whichever request first needed the connection (and its lane) off the loop.
            using (ExecutionContext.SuppressFlow())
            {
                _supervisor = Task.Run(() => SuperviseAsync(_stopping.Token));
            }
        }
    }

    // Reconnects whenever the connection is lost; while it is up, proves it alive when idle and retries failed redos.
    private async Task SuperviseAsync(CancellationToken stopping)
    {
        var round = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var session = Volatile.Read(ref _session);
                if (session is not { IsAlive: true })
                {
                    var pause = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMilliseconds(100).Ticks * (round + 1), s_maxReconnectPause.Ticks));
                    round = await ConnectRoundAsync(pause, _options.Grpc.ConnectTimeout, stopping).ConfigureAwait(false) ? 0 : round + 1;
                    continue;
                }

                if (Interlocked.Exchange(ref _moving, null) is { } moving && ReferenceEquals(moving, session))
                {
                    // A ConnectResetRequest: connect elsewhere first, then let the old connection go (make before break).
                    if (await ConnectRoundAsync(TimeSpan.Zero, _options.Grpc.ConnectTimeout, stopping, replacing: session).ConfigureAwait(false))
                    {
                        LoseSession(session, "moved at the server's request", failed: false);
                    }

                    continue;
                }

                var wake = Volatile.Read(ref _wake);
                var interval = _options.Grpc.HealthCheckInterval;
                await Task.WhenAny(session.Lost.Task, wake.Task, Task.Delay(interval, _timeProvider, stopping)).ConfigureAwait(false);
                if (wake.Task.IsCompleted)
                {
                    Interlocked.CompareExchange(ref _wake, NewWake(), wake);
                }

                if (stopping.IsCancellationRequested || !session.IsAlive)
                {
                    continue;
                }

                if (_redoPending)
                {
                    await RedoAsync(session, stopping).ConfigureAwait(false);
                }

                if (_timeProvider.GetElapsedTime(session.LastActive) >= interval && !await HealthCheckAsync(session, stopping).ConfigureAwait(false))
                {
                    LoseSession(session, "the health check failed");
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Never let the loop die: the connection is what keeps this instance registered.
                Log.SupervisorFailed(_logger, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(100), _timeProvider, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    // One pass over the server list, starting with a server a reset recommended, else the one in use.
    private async Task<bool> ConnectRoundAsync(TimeSpan pauseBetweenAttempts, TimeSpan handshakeTimeout, CancellationToken cancellationToken, Session? replacing = null)
    {
        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (replacing is null && IsConnected)
            {
                return true;
            }

            LastRoundReachedServer = false;
            var recommended = Interlocked.Exchange(ref _recommended, -1);
            var start = recommended >= 0 ? recommended : _servers.CurrentIndex;
            for (var i = 0; i < _servers.Count; i++)
            {
                if (pauseBetweenAttempts > TimeSpan.Zero)
                {
                    await Task.Delay(pauseBetweenAttempts, _timeProvider, cancellationToken).ConfigureAwait(false);
                }

                var index = (start + i) % _servers.Count;
                var session = await TryConnectAsync(index, handshakeTimeout, cancellationToken).ConfigureAwait(false);
                if (session is null)
                {
                    _servers.Failed(index);
                    continue;
                }

                await InstallAsync(session, cancellationToken).ConfigureAwait(false);
                return true;
            }

            _status.SetConnected(false);
            return false;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private async Task InstallAsync(Session session, CancellationToken cancellationToken)
    {
        bool reconnected;
        lock (_gate)
        {
            reconnected = _connectedBefore;
            _connectedBefore = true;
        }

        if (reconnected)
        {
            // Before anything can read through the new connection: a registry that restarted empty answers partial
            // lists until every client has registered again, and subscriptions must already be holding on to missing
            // instances when the first of those lists (a query, or the push of a renewed subscription) arrives.
            _status.MarkRecovered();
        }

        lock (_gate)
        {
            _session = session;
            if (_ready.Task.IsCompleted)
            {
                _ready = NewReady();
            }

            _ready.TrySetResult(session);
        }

        _servers.Use(session.ServerIndex);
        _status.Set(NacosTransport.Grpc, session.Authority, connected: true);
        Log.Connected(_logger, session.Authority, session.ConnectionId ?? "?");
        if (reconnected)
        {
            await RedoAsync(session, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RedoAsync(Session session, CancellationToken cancellationToken)
    {
        if (OnReconnected is not { } redo)
        {
            return;
        }

        try
        {
            _redoPending = false;
            await redo(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            // Tried again at the next health-check tick, as long as this connection lives.
            _redoPending = true;
            Log.RedoFailed(_logger, session.Authority, ex.Message);
        }
    }

    private async Task<Session?> TryConnectAsync(int index, TimeSpan handshakeTimeout, CancellationToken cancellationToken)
    {
        var server = _servers[index];
        var address = new UriBuilder(server.Scheme, server.Host, server.Port + _options.Grpc.PortOffset).Uri;
        var session = new Session(index, address, _options, MaxMessageBytes, _timeProvider);
        try
        {
            using var timeout = new CancellationTokenSource(handshakeTimeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            var check = await session.UnaryAsync(
                NacosGrpcCodec.Request(NacosGrpcTypes.ServerCheckRequest, NacosGrpcCodec.Internal, NextRequestId(), ClientIp, default, null),
                linked.Token).ConfigureAwait(false);
            if (check.Metadata?.Type != NacosGrpcTypes.ServerCheckResponse
                || !NacosGrpcBody.TryRead(check.Body is { } checkBody ? checkBody.Value.Span : default, out var answer, out _)
                || !answer.Success)
            {
                throw new NacosException($"the server check answered {check.Metadata?.Type ?? "nothing"}", transient: true);
            }

            session.ConnectionId = answer.ConnectionId;
            session.Open();
            session.Reader = ReadAsync(session);
            await session.WriteAsync(ConnectionSetup(), linked.Token).ConfigureAwait(false);
            if (answer.SupportAbilityNegotiation)
            {
                // The server registers the connection, then confirms with a SetupAckRequest carrying its abilities.
                await session.SetupAck.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            else
            {
                await Task.Delay(s_legacySetupWait, _timeProvider, linked.Token).ConfigureAwait(false);
            }

            if (!session.IsAlive)
            {
                throw new NacosException("the server closed the stream during setup", transient: true);
            }

            return session;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
        {
            var timedOut = ex is OperationCanceledException or RpcException { StatusCode: StatusCode.DeadlineExceeded or StatusCode.Cancelled };
            var reason = ex switch
            {
                _ when timedOut => session.TcpConnected ? $"connected, but no answer within {handshakeTimeout}" : $"no connection within {handshakeTimeout}",
                RpcException rpc => $"{rpc.StatusCode} {rpc.Status.Detail}",
                _ => ex.Message,
            };
            LastRoundReachedServer |= timedOut && session.TcpConnected;
            Log.ConnectFailed(_logger, _throttle.NextLevel(), session.Authority, reason);
            await session.DisposeAsync().ConfigureAwait(false);
            return null;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private Payload ConnectionSetup() => NacosGrpcCodec.Request(
        NacosGrpcTypes.ConnectionSetupRequest,
        NacosGrpcCodec.Internal,
        requestId: null,
        ClientIp,
        default,
        writer =>
        {
            writer.WriteString("clientVersion"u8, NacosNamingClient.ClientVersion);
            writer.WriteString("tenant"u8, _options.NamespaceId);
            writer.WriteStartObject("labels"u8);
            writer.WriteString("source"u8, "sdk");
            writer.WriteString("module"u8, "naming");
            writer.WriteString("AppName"u8, _options.Registration.ServiceName ?? "unknown");
            writer.WriteEndObject();

            // An (empty) ability table asks the server to confirm the setup with a SetupAckRequest.
            writer.WriteStartObject("abilityTable"u8);
            writer.WriteEndObject();
        });

    private async Task<bool> HealthCheckAsync(Session session, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromTicks(Math.Min(_options.RequestTimeout.Ticks, TimeSpan.FromSeconds(3).Ticks));
        for (var attempt = 0; attempt < HealthCheckAttempts && session.IsAlive; attempt++)
        {
            try
            {
                using var deadline = new CancellationTokenSource(timeout, _timeProvider);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
                var response = await session.UnaryAsync(
                    NacosGrpcCodec.Request(NacosGrpcTypes.HealthCheckRequest, NacosGrpcCodec.Internal, NextRequestId(), ClientIp, default, null),
                    linked.Token).ConfigureAwait(false);

                // Success proves both the server and that it still knows this connection (else 301).
                if (NacosGrpcBody.TryRead(response.Body is { } healthBody ? healthBody.Value.Span : default, out var answer, out _) && answer.Success)
                {
                    session.Touch(_timeProvider);
                    return true;
                }

                return false;
            }
            catch (RpcException) when (!cancellationToken.IsCancellationRequested)
            {
                // Tried again, then given up.
            }
        }

        return false;
    }

    private async Task ReadAsync(Session session)
    {
        var reason = "the server ended the stream";
        try
        {
            var stream = session.Stream!.ResponseStream;
            while (await stream.MoveNext(session.Closing).ConfigureAwait(false))
            {
                session.Touch(_timeProvider);
                await HandleServerMessageAsync(session, stream.Current).ConfigureAwait(false);
            }
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
        {
            // A message over the gRPC bound cannot be skipped within the stream: counted, then a new connection.
            _metrics.Ignored(NacosMetrics.Grpc, "oversized");
            reason = $"a message larger than {MaxMessageBytes} bytes arrived";
        }
        catch (Exception ex) when (session.Closing.IsCancellationRequested && ex is RpcException or OperationCanceledException)
        {
            reason = "closed";
        }
        catch (RpcException ex)
        {
            reason = $"{ex.StatusCode} {ex.Status.Detail}";
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            reason = ex.Message;
        }
        finally
        {
            session.SetupAck.TrySetException(new NacosException($"The stream ended during setup: {reason}.", transient: true));
            LoseSession(session, reason);
        }
    }

    private async Task HandleServerMessageAsync(Session session, Payload payload)
    {
        var type = payload.Metadata?.Type ?? string.Empty;
        var body = payload.Body?.Value ?? ByteString.Empty;
        if (body.Length > _options.MaxResponseBytes)
        {
            Ignore(session, type, "oversized", $"{body.Length} bytes, more than {NacosOptions.SectionName}:MaxResponseBytes");
            return;
        }

        switch (type)
        {
            case NacosGrpcTypes.SetupAckRequest:
                session.SetupAck.TrySetResult();
                return;
            case NacosGrpcTypes.NotifySubscriberRequest:
            case NacosGrpcTypes.ClientDetectionRequest:
            case NacosGrpcTypes.ConnectResetRequest:
                break;
            default:
                Ignore(session, type.Length == 0 ? "(no type)" : type, "unknown_type", "not a request this client handles");
                return;
        }

        if (!NacosGrpcBody.TryRead(body.Span, out var request, out var error))
        {
            Ignore(session, type, "not_json", error!);
            return;
        }

        switch (type)
        {
            case NacosGrpcTypes.NotifySubscriberRequest:
                var outcome = request.ServiceInfoStart < 0
                    ? PushOutcome.Malformed
                    : _pushes.OnPush(body.Span.Slice(request.ServiceInfoStart, request.ServiceInfoLength));
                _metrics.Pushed(NacosMetrics.Grpc, outcome);
                await ReplyAsync(session, outcome == PushOutcome.Malformed
                    ? NacosGrpcCodec.Failure(NacosGrpcTypes.NotifySubscriberResponse, request.RequestId, 400, "unreadable serviceInfo")
                    : NacosGrpcCodec.Response(NacosGrpcTypes.NotifySubscriberResponse, request.RequestId)).ConfigureAwait(false);
                return;
            case NacosGrpcTypes.ClientDetectionRequest:
                await ReplyAsync(session, NacosGrpcCodec.Response(NacosGrpcTypes.ClientDetectionResponse, request.RequestId)).ConfigureAwait(false);
                return;
            default:
                await ReplyAsync(session, NacosGrpcCodec.Response(NacosGrpcTypes.ConnectResetResponse, request.RequestId)).ConfigureAwait(false);
                Reset(session, request.ServerIp, request.ServerPort);
                return;
        }
    }

    private void Ignore(Session session, string type, string reason, string detail)
    {
        _metrics.Ignored(NacosMetrics.Grpc, reason);
        Log.MessageIgnored(_logger, _throttle.NextLevel(), type, session.Authority, detail);
    }

    private async Task ReplyAsync(Session session, Payload response)
    {
        try
        {
            await session.WriteAsync(response, session.Closing).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or InvalidOperationException)
        {
            // The stream is going away; the reader notices and reconnects.
        }
    }

    // ConnectResetRequest: move to the server it names when it is one of ours (its main port), else to the next one.
    private void Reset(Session session, string? serverIp, string? serverPort)
    {
        var target = -1;
        if (!string.IsNullOrEmpty(serverIp) && int.TryParse(serverPort, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            target = _servers.IndexOf(serverIp, port);
        }

        Log.ResetRequested(_logger, session.Authority, target >= 0 ? _servers[target].Authority : "the next server in the list");
        if (target < 0)
        {
            _servers.Failed(session.ServerIndex);
        }

        // The answer goes out on this connection first; the supervisor then connects to the new server and only
        // after that closes this one, as the Java client switches servers.
        Volatile.Write(ref _recommended, target >= 0 ? target : -1);
        Volatile.Write(ref _moving, session);
        Volatile.Read(ref _wake).TrySetResult();
    }

    private void LoseSession(Session session, string reason, bool failed = true)
    {
        bool current;
        lock (_gate)
        {
            if (!session.MarkLost())
            {
                return;
            }

            current = ReferenceEquals(_session, session);
            if (current)
            {
                _session = null;
                if (_ready.Task.IsCompleted)
                {
                    _ready = NewReady();
                }
            }
        }

        if (current && failed)
        {
            _servers.Failed(session.ServerIndex);
        }

        if (current && !_stopping.IsCancellationRequested)
        {
            _status.SetConnected(false);
            Log.ConnectionLost(_logger, session.Authority, reason);
        }

        Volatile.Read(ref _wake).TrySetResult();

        // Not awaited here: this may run on the session's own reader.
        _ = Task.Run(session.DisposeAsync);
    }

    private string NextRequestId() => Interlocked.Increment(ref _requestIds).ToString(CultureInfo.InvariantCulture);

    private static TaskCompletionSource<Session> NewReady() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TaskCompletionSource NewWake() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_supervisor is { } supervisor)
        {
            await supervisor.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        Session? session;
        lock (_gate)
        {
            session = _session;
            _session = null;
        }

        if (session is not null)
        {
            session.MarkLost();
            await session.DisposeAsync().ConfigureAwait(false);
        }

        _connectGate.Dispose();
        _stopping.Dispose();
    }

    /// <summary>One connection: its channel (one HTTP/2 connection), stream and state.</summary>
    private sealed class Session : IAsyncDisposable
    {
        private readonly CancellationTokenSource _closing = new();
        private readonly SemaphoreSlim _writeLock = new(1, 1);
        private readonly GrpcChannel _channel;
        private readonly CallInvoker _invoker;
        private long _lastActive;
        private int _lost;
        private int _disposed;
        private volatile bool _tcpConnected;

        public Session(int serverIndex, Uri address, NacosOptions options, int maxMessageBytes, TimeProvider timeProvider)
        {
            ServerIndex = serverIndex;
            Authority = address.Authority;
            _lastActive = timeProvider.GetTimestamp();
            _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler
                {
                    UseProxy = false,
                    ConnectTimeout = options.Grpc.ConnectTimeout,
                    PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                    KeepAlivePingDelay = TimeSpan.FromSeconds(60),
                    KeepAlivePingTimeout = TimeSpan.FromSeconds(20),

                    // The server knows a connection by its TCP connection: every call must share one.
                    EnableMultipleHttp2Connections = false,
                    ConnectCallback = ConnectAsync,
                },
                DisposeHttpClient = true,
                MaxReceiveMessageSize = maxMessageBytes,
            });
            _invoker = _channel.CreateCallInvoker();
        }

        public int ServerIndex { get; }

        public string Authority { get; }

        /// <summary>Whether the TCP connection to the gRPC port was accepted (something listens there).</summary>
        public bool TcpConnected => _tcpConnected;

        public string? ConnectionId { get; set; }

        public AsyncDuplexStreamingCall<Payload, Payload>? Stream { get; private set; }

        public Task? Reader { get; set; }

        public TaskCompletionSource SetupAck { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Lost { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationToken Closing => _closing.Token;

        public bool IsAlive => Volatile.Read(ref _lost) == 0;

        public long LastActive => Interlocked.Read(ref _lastActive);

        public void Touch(TimeProvider time) => Interlocked.Exchange(ref _lastActive, time.GetTimestamp());

        public void Open() => Stream = _invoker.AsyncDuplexStreamingCall(NacosGrpcMethods.BiRequestStream, null, new CallOptions(cancellationToken: _closing.Token));

        public async Task<Payload> UnaryAsync(Payload request, CancellationToken cancellationToken)
        {
            using var call = _invoker.AsyncUnaryCall(NacosGrpcMethods.Request, null, new CallOptions(cancellationToken: cancellationToken), request);
            return await call.ResponseAsync.ConfigureAwait(false);
        }

        public async Task WriteAsync(Payload payload, CancellationToken cancellationToken)
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await Stream!.RequestStream.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }
        }

        /// <summary>Marks the session lost; <see langword="false"/> when it already was.</summary>
        public bool MarkLost()
        {
            if (Interlocked.Exchange(ref _lost, 1) != 0)
            {
                return false;
            }

            Lost.TrySetResult();
            return true;
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            MarkLost();
            await _closing.CancelAsync().ConfigureAwait(false);
            Stream?.Dispose();
            if (Reader is { } reader)
            {
                await reader.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            _channel.Dispose();
            _writeLock.Dispose();
        }

        private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
                _tcpConnected = true;
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }
}
