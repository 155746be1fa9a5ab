using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lanes.Nacos.StandIn.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lanes.Nacos.StandIn;

/// <summary>
/// A Nacos server on 127.0.0.1 for tests, speaking what a 3.x server speaks to clients: the gRPC client protocol on
/// main port + 1000 (a real HTTP/2 gRPC server: <c>Request</c> and <c>BiRequestStream</c>, server check, connection
/// setup and ack, health checks, instances bound to their connection, subscriptions and pushes), and on the main port
/// login (<c>/nacos/v3/auth/user/login</c>, <c>/nacos/v1/auth/login</c>) and the v3 HTTP client API. The v1 naming API
/// is not served, as on Nacos 3.2+. It restarts empty on the same ports, and tests can make it reset connections,
/// probe clients, expire tokens and send arbitrary payloads.
/// </summary>
public sealed class NacosStandIn : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, int> _received = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _responses = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Key, StandInInstance Instance)> _history = new();
    private WebApplication? _app;
    private CancellationTokenSource _stopping = new();

    private NacosStandIn(int port, NacosStandInOptions options)
    {
        Port = port;
        Options = options;
        Auth = new StandInAuth(options);
        State = new NamingState(options, _history);
    }

    /// <summary>The main (HTTP) port; gRPC listens on this + 1000.</summary>
    public int Port { get; }

    public int GrpcPort => Port + 1000;

    public string Address => $"http://127.0.0.1:{Port}";

    public NacosStandInOptions Options { get; }

    /// <summary>Whether the server is up (between start and stop).</summary>
    public bool Running => _app is not null;

    /// <summary>Logins so far, successful or not, over all runs.</summary>
    public int Logins => Auth.Logins;

    /// <summary>Pushes acknowledged with a <c>NotifySubscriberResponse</c> in this run.</summary>
    public int Acks => State.Acks;

    public int PushesSent => State.Pushes;

    internal StandInAuth Auth { get; }

    internal NamingState State { get; private set; }

    internal CancellationToken Stopping => _stopping.Token;

    public IReadOnlyList<StandInConnection> Connections => State.Connections;

    public static async Task<NacosStandIn> StartAsync(NacosStandInOptions? options = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var server = new NacosStandIn(port, options ?? new NacosStandInOptions());
            try
            {
                await server.StartAgainAsync();
                return server;
            }
            catch (IOException) when (attempt < 20)
            {
                // main port + 1000 was taken: another pair.
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>How long a gRPC registration waits before it takes effect (a slow client, in effect): (service, instance) → delay.</summary>
    public Func<string, StandInInstance, TimeSpan>? RegistrationDelay { get; set; }

    /// <summary>Runs inside a deregistration request (gRPC or HTTP), before the server answers it: (service, ip, port).</summary>
    public Action<string, string, int>? OnDeregister { get; set; }

    /// <summary>Every registration in every run, in order: the service (<c>group@@service</c>) and the instance as registered.</summary>
    public IReadOnlyList<(string Service, StandInInstance Instance)> Registrations =>
        [.. _history.Select(h => (h.Key[(h.Key.IndexOf('|', StringComparison.Ordinal) + 1)..].Replace("|", "@@", StringComparison.Ordinal), h.Instance))];

    /// <summary>Requests of a type received over gRPC (unary and stream) in all runs.</summary>
    public int Received(string type) => _received.TryGetValue(type, out var count) ? count : 0;

    /// <summary>Responses of a type clients sent on their streams in all runs.</summary>
    public int Responses(string type) => _responses.TryGetValue(type, out var count) ? count : 0;

    public IReadOnlyList<StandInInstance> Instances(string service, string group = "DEFAULT_GROUP", string? ns = null) =>
        State.Instances(NamingState.Key(ns, group, service));

    public int Subscribers(string service, string group = "DEFAULT_GROUP", string? ns = null) =>
        State.Subscribers(NamingState.Key(ns, group, service));

    /// <summary>Registers an instance the way an HTTP client would (bound to no connection).</summary>
    public void Register(string service, StandInInstance instance, string group = "DEFAULT_GROUP") =>
        State.Upsert(NamingState.Key(null, group, service), instance with { ConnectionId = null });

    /// <summary>Replaces a service's instances in one change, pushed once to its subscribers.</summary>
    public void SetInstances(string service, IEnumerable<StandInInstance> instances, string group = "DEFAULT_GROUP") =>
        State.Replace(NamingState.Key(null, group, service), instances.Select(i => i with { ConnectionId = null }));

    public bool Deregister(string service, string ip, int port, string group = "DEFAULT_GROUP") =>
        State.Remove(NamingState.Key(null, group, service), ip, port, "DEFAULT");

    /// <summary>Makes every token handed out so far expired: the next request presenting one gets 403.</summary>
    public void ExpireTokens() => Auth.ExpireTokens();

    /// <summary>Stops both ports; connections drop, and everything registered is forgotten.</summary>
    public async Task StopAsync()
    {
        if (_app is not { } app)
        {
            return;
        }

        _app = null;
        await _stopping.CancelAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            await app.StopAsync(timeout.Token);
        }

        await app.DisposeAsync();
    }

    /// <summary>Starts (again) on the same ports, empty.</summary>
    public async Task StartAgainAsync()
    {
        if (_app is not null)
        {
            return;
        }

        _stopping = new CancellationTokenSource();
        State = new NamingState(Options, _history);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, Port, o => o.Protocols = HttpProtocols.Http1);
            if (Options.Grpc)
            {
                kestrel.Listen(IPAddress.Loopback, GrpcPort, o => o.Protocols = HttpProtocols.Http2);
            }
        });
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 64 * 1024 * 1024);
        builder.Services.AddSingleton(this);
        var app = builder.Build();
        app.MapGrpcService<RequestService>();
        app.MapGrpcService<BiStreamService>();
        MapHttp(app);
        await app.StartAsync();
        _app = app;
    }

    /// <summary>Stops, stays down for <paramref name="downtime"/>, and comes back empty on the same ports.</summary>
    public async Task RestartEmptyAsync(TimeSpan downtime)
    {
        await StopAsync();
        await Task.Delay(downtime);
        await StartAgainAsync();
    }

    /// <summary>Sends a <c>ConnectResetRequest</c> naming a server (its main port) to every client; returns how many answered.</summary>
    public async Task<int> ResetConnectionsAsync(string? serverIp, int? serverPort)
    {
        var answered = 0;
        foreach (var connection in State.Connections)
        {
            var request = new JsonObject { ["module"] = "internal" };
            if (serverIp is not null)
            {
                request["serverIp"] = serverIp;
                request["serverPort"] = serverPort?.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (await connection.RequestAsync("ConnectResetRequest", request, TimeSpan.FromSeconds(5)) is { Metadata.Type: "ConnectResetResponse" })
            {
                answered++;
            }
        }

        return answered;
    }

    /// <summary>Sends a <c>ClientDetectionRequest</c> to every client; returns how many answered with a <c>ClientDetectionResponse</c>.</summary>
    public async Task<int> DetectClientsAsync()
    {
        var answered = 0;
        foreach (var connection in State.Connections)
        {
            if (await connection.RequestAsync("ClientDetectionRequest", new JsonObject { ["module"] = "internal" }, TimeSpan.FromSeconds(5)) is { Metadata.Type: "ClientDetectionResponse" })
            {
                answered++;
            }
        }

        return answered;
    }

    /// <summary>Writes a payload, whatever it holds, on every client's stream; returns how many writes completed (a client may hang up mid-message).</summary>
    public async Task<int> SendRawAsync(string type, byte[] body)
    {
        var written = 0;
        foreach (var connection in State.Connections)
        {
            try
            {
                await connection.WriteAsync(Wire.Payload(type, body));
                written++;
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
            {
                // The client refused the message and closed the stream.
            }
        }

        return written;
    }

    /// <summary>Pushes a ServiceInfo for any service to every client, subscribed or not; returns the acknowledgements.</summary>
    public async Task<int> PushToAllAsync(string service, JsonArray hosts, string group = "DEFAULT_GROUP")
    {
        var acked = 0;
        foreach (var connection in State.Connections)
        {
            var info = State.ServiceInfo(NamingState.Key(null, group, service));
            info["hosts"] = hosts.DeepClone();
            var request = new JsonObject
            {
                ["namespace"] = "public",
                ["serviceName"] = service,
                ["groupName"] = group,
                ["serviceInfo"] = info,
                ["module"] = "naming",
            };
            if (await connection.RequestAsync("NotifySubscriberRequest", request, TimeSpan.FromSeconds(5)) is { Metadata.Type: "NotifySubscriberResponse" })
            {
                acked++;
            }
        }

        return acked;
    }

    internal void Count(string type) => _received.AddOrUpdate(type, 1, static (_, n) => n + 1);

    internal void Responded(string type) => _responses.AddOrUpdate(type, 1, static (_, n) => n + 1);

    private void MapHttp(WebApplication app)
    {
        foreach (var path in (string[])["/nacos/v3/auth/user/login", "/nacos/v1/auth/login", "/nacos/v1/auth/users/login"])
        {
            app.MapPost(path, async (HttpRequest request) =>
            {
                var form = request.HasFormContentType ? await request.ReadFormAsync() : null;
                var token = Auth.Login(form?["username"].ToString() ?? request.Query["username"], form?["password"].ToString());
                return token is null
                    ? Results.Text("user not found!", statusCode: 403)
                    : Results.Json(new JsonObject
                    {
                        ["accessToken"] = token,
                        ["tokenTtl"] = (long)Options.TokenTtl.TotalSeconds,
                        ["globalAdmin"] = false,
                        ["username"] = form?["username"].ToString(),
                    });
            });
        }

        if (!Options.V3Http)
        {
            return;
        }

        app.MapMethods("/nacos/v3/client/ns/instance", ["POST", "DELETE"], async (HttpRequest request) =>
        {
            var read = await Parameters(request);
            if (Auth.Check(read) is { } denied)
            {
                return Results.Text(denied, statusCode: 403);
            }

            if (read("serviceName") is not { Length: > 0 } service || read("ip") is not { Length: > 0 } ip || !int.TryParse(read("port"), out var port))
            {
                return V3(400, 10000, "parameter missing", null, 400);
            }

            var key = NamingState.Key(read("namespaceId"), read("groupName") ?? "DEFAULT_GROUP", service);
            var cluster = read("clusterName") is { Length: > 0 } c ? c : "DEFAULT";
            if (request.Method == "DELETE")
            {
                OnDeregister?.Invoke(service, ip, port);
                State.Remove(key, ip, port, cluster);
                return V3(200, 0, "success", "ok");
            }

            if (read("heartBeat") == "true")
            {
                return State.Contains(key, ip, port, cluster) ? V3(200, 0, "success", "ok") : V3(200, 21003, "instance not found", null);
            }

            var metadata = read("metadata") is { Length: > 0 } json ? JsonSerializer.Deserialize<Dictionary<string, string>>(json)! : [];
            State.Upsert(key, new StandInInstance(
                ip,
                port,
                double.TryParse(read("weight"), System.Globalization.CultureInfo.InvariantCulture, out var weight) ? weight : 1,
                Healthy: true,
                Enabled: read("enabled") != "false",
                Ephemeral: read("ephemeral") != "false",
                cluster,
                metadata,
                ConnectionId: null));
            return V3(200, 0, "success", "ok");
        });
        app.MapGet("/nacos/v3/client/ns/instance/list", async (HttpRequest request) =>
        {
            var read = await Parameters(request);
            if (Auth.Check(read) is { } denied)
            {
                return Results.Text(denied, statusCode: 403);
            }

            var key = NamingState.Key(read("namespaceId"), read("groupName") ?? "DEFAULT_GROUP", read("serviceName") ?? string.Empty);
            return Results.Json(new JsonObject { ["code"] = 0, ["message"] = "success", ["data"] = State.ServiceInfo(key)["hosts"]!.DeepClone() });
        });
    }

    private static IResult V3(int status, int code, string message, string? data, int? httpStatus = null) =>
        Results.Json(new JsonObject { ["code"] = code, ["message"] = message, ["data"] = data }, statusCode: httpStatus ?? status);

    private static async Task<Func<string, string?>> Parameters(HttpRequest request)
    {
        var form = request.HasFormContentType ? await request.ReadFormAsync() : null;
        return name => request.Query.TryGetValue(name, out var q) ? q.ToString()
            : form is not null && form.TryGetValue(name, out var f) ? f.ToString()
            : null;
    }

    private static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (port + 1000 <= 65535)
            {
                return port;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
    }
}
