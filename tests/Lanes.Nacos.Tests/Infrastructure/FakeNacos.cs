using System.Net;
using System.Net.Sockets;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace Lanes.Nacos.Tests.Infrastructure;

/// <summary>WireMock.Net playing a Nacos server's v1 open API on 127.0.0.1, as its documentation shows it.</summary>
internal sealed class FakeNacos : IDisposable
{
    public const string ListPath = "/nacos/v1/ns/instance/list";
    public const string InstancePath = "/nacos/v1/ns/instance";
    public const string BeatPath = "/nacos/v1/ns/instance/beat";
    public const string LoginPath = "/nacos/v1/auth/login";

    private FakeNacos(WireMockServer server) => Server = server;

    public WireMockServer Server { get; }

    public string Address => $"http://127.0.0.1:{Server.Ports[0]}";

    public static FakeNacos Start()
    {
        var server = WireMockServer.Start(new WireMockServerSettings
        {
            Urls = [$"http://127.0.0.1:{FreeTcpPort()}"],
            StartAdminInterface = false,
        });
        return new FakeNacos(server);
    }

    /// <summary>A loopback port nothing listens on: connections to it are refused.</summary>
    public static string DeadAddress() => $"http://127.0.0.1:{FreeTcpPort()}";

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void GivenList(string groupedService, string json, int status = 200, TimeSpan? delay = null)
    {
        var response = Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(json);
        if (delay is { } d)
        {
            response = response.WithDelay(d);
        }

        Server.Given(Request.Create().WithPath(ListPath).WithParam("serviceName", groupedService).UsingGet())
            .WithGuid(MappingId(ListPath + groupedService))
            .AtPriority(1)
            .RespondWith(response);
    }

    public void GivenInstanceOk()
    {
        Server.Given(Request.Create().WithPath(InstancePath).UsingPost()).RespondWith(Response.Create().WithBody("ok"));
        Server.Given(Request.Create().WithPath(InstancePath).UsingDelete()).RespondWith(Response.Create().WithBody("ok"));
    }

    public void GivenBeat(int code, int clientBeatInterval = 5000)
    {
        Server.Given(Request.Create().WithPath(BeatPath).UsingPut()).WithGuid(MappingId(BeatPath)).AtPriority(1).RespondWith(Response.Create()
            .WithHeader("Content-Type", "application/json")
            .WithBody($$"""{"clientBeatInterval":{{clientBeatInterval}},"code":{{code}},"lightBeatEnabled":true}"""));
    }

    public void GivenLogin(string token, int tokenTtlSeconds = 18000)
    {
        Server.Given(Request.Create().WithPath(LoginPath).UsingPost()).WithGuid(MappingId(LoginPath)).AtPriority(1).RespondWith(Response.Create()
            .WithHeader("Content-Type", "application/json")
            .WithBody($$"""{"accessToken":"{{token}}","tokenTtl":{{tokenTtlSeconds}},"globalAdmin":false,"username":"nacos"}"""));
    }

    // Giving the same mapping again replaces it instead of adding a rival with the same priority.
    private static Guid MappingId(string key) => new(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(key)));

    public IReadOnlyList<ILogEntry> Requests(string path, string? method = null)
    {
        var result = new List<ILogEntry>();
        foreach (var entry in Server.LogEntries)
        {
            if (entry.RequestMessage!.Path == path && (method is null || string.Equals(entry.RequestMessage.Method, method, StringComparison.OrdinalIgnoreCase)))
            {
                result.Add(entry);
            }
        }

        return result;
    }

    public static string? Query(ILogEntry entry, string key) =>
        entry.RequestMessage!.Query is { } query && query.TryGetValue(key, out var values) ? values[0] : null;

    public void Dispose() => Server!.Stop();
}
