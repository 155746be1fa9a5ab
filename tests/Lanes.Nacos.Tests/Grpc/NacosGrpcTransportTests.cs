using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json.Nodes;
using Lanes.Discovery;
using Lanes.Nacos.Client;
using Lanes.Nacos.StandIn;
using Lanes.Nacos.Subscriptions;
using Lanes.Nacos.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Lanes.Nacos.Tests.Grpc;

/// <summary>The gRPC transport against the stand-in: a real HTTP/2 gRPC server on loopback.</summary>
public sealed class NacosGrpcTransportTests
{
    private static readonly NacosServiceName s_orders = new("DEFAULT_GROUP", "orders");

    [Fact]
    public async Task Register_Subscribe_Push_AndAck()
    {
        await using var nacos = await NacosStandIn.StartAsync();
        using var host = StandInHosts.Build(StandInHosts.Config(nacos), "checkout", port: 5005, lane: "gray");
        await host.StartAsync();

        // Registered over gRPC, tagged the MSE way, on a connection set up with the handshake.
        var instance = Assert.Single(nacos.Instances("checkout"));
        Assert.Equal(("127.0.0.1", 5005), (instance.Ip, instance.Port));
        Assert.Equal("gray", instance.Metadata["opensergo.io/canary-gray"]);
        Assert.Equal("gray", instance.Metadata["alicloud.service.tag"]);
        var connection = Assert.Single(nacos.Connections);
        Assert.Equal(connection.Id, instance.ConnectionId);
        Assert.StartsWith("Nacos-CSharp-Client:v", connection.ClientVersion, StringComparison.Ordinal);
        Assert.Equal("public", connection.Tenant);
        Assert.Equal("sdk", connection.Labels["source"]);
        Assert.Equal("naming", connection.Labels["module"]);
        Assert.Equal(1, nacos.Received("ServerCheckRequest"));
        Assert.Equal(1, nacos.Received("InstanceRequest"));
        var status = host.Services.GetRequiredService<NacosConnectionStatus>();
        Assert.Equal(NacosTransport.Grpc, status.Transport);
        Assert.Equal($"127.0.0.1:{nacos.GrpcPort}", status.Server);
        Assert.Contains(host.Services.GetFakeLogCollector().GetSnapshot(), r => r.Id.Name == "NacosTransportChosen" && r.Message.Contains("grpc", StringComparison.Ordinal));

        // Subscribing answers the current list; a change is pushed and acknowledged.
        nacos.Register("orders", Instance("10.0.0.1", 8080));
        var subscription = host.Services.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Single(subscription.Current.Endpoints);
        Assert.Equal(1, nacos.Subscribers("orders"));
        var first = subscription.Current;

        nacos.Register("orders", Instance("10.0.0.2", 8080, lane: "gray"));

        await Eventually.AssertAsync(() => first.ChangeToken.HasChanged, "the push changed the list");
        await Eventually.AssertAsync(() => nacos.Acks >= 1, "the push was acknowledged with a NotifySubscriberResponse");
        var instances = subscription.Current.Endpoints.Select(e => ServiceInstance.From(e)!).ToArray();
        Assert.Equal(2, instances.Length);
        Assert.Equal(Lane.Parse("gray"), instances.Single(i => i.EndPoint.ToString() == "10.0.0.2:8080").Lane);

        // Stopping deregisters at once: no heartbeat expiry to wait for.
        await host.StopAsync();
        Assert.Empty(nacos.Instances("checkout"));
        Assert.Equal(2, nacos.Received("InstanceRequest"));
    }

    [Fact]
    public async Task ServerWithoutAbilityNegotiation_LikeNacos2_0To2_2_IsUsedAfterTheSetupWait()
    {
        await using var nacos = await NacosStandIn.StartAsync(new NacosStandInOptions { AbilityNegotiation = false });
        using var host = StandInHosts.Build(StandInHosts.Config(nacos), "checkout");
        await host.StartAsync();

        Assert.Equal(NacosTransport.Grpc, host.Services.GetRequiredService<NacosConnectionStatus>().Transport);
        Assert.NotNull(Assert.Single(nacos.Instances("checkout")).ConnectionId);
        Assert.Equal(0, nacos.Received("SetupAckResponse"));
        await host.StopAsync();
    }

    [Fact]
    public async Task ServerRestartsEmpty_InstancesRegisterAgain_SubscriptionsRenew_AndNoListEverEmpties()
    {
        await using var nacos = await NacosStandIn.StartAsync();
        using var orders = StandInHosts.Build(StandInHosts.Config(nacos), "orders", port: 7001);
        using var checkout = StandInHosts.Build(StandInHosts.Config(nacos), "checkout", port: 7002);
        await orders.StartAsync();
        await checkout.StartAsync();
        var subscription = checkout.Services.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Single(subscription.Current.Endpoints);

        // Watch the list the router sees for the whole restart: it must never be empty.
        using var watching = new CancellationTokenSource();
        var emptySeen = 0;
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                if (subscription.Current.Endpoints.Length == 0)
                {
                    Interlocked.Increment(ref emptySeen);
                }

                await Task.Delay(2);
            }
        });

        await nacos.RestartEmptyAsync(TimeSpan.FromSeconds(1));

        await Eventually.AssertAsync(() => nacos.Instances("orders").Count == 1 && nacos.Instances("checkout").Count == 1, "both instances registered again", TimeSpan.FromSeconds(20));
        await Eventually.AssertAsync(() => nacos.Subscribers("orders") == 1, "the subscription was renewed on the new connection", TimeSpan.FromSeconds(20));
        Assert.True(checkout.Services.GetRequiredService<NacosConnectionStatus>().Recoveries >= 1);
        Assert.Contains(orders.Services.GetFakeLogCollector().GetSnapshot(), r => r.Id.Name == "NacosGrpcReregistered");

        // Pushes flow on the new connection.
        var before = subscription.Current;
        nacos.Register("orders", Instance("10.0.0.9", 8080));
        await Eventually.AssertAsync(() => subscription.Current.Endpoints.Any(e => e.EndPoint.ToString() == "10.0.0.9:8080"), "a push after the restart reached the subscription");
        Assert.True(before.ChangeToken.HasChanged);

        await watching.CancelAsync();
        await watcher;
        Assert.Equal(0, emptySeen);
        await checkout.StopAsync();
        await orders.StopAsync();
    }

    [Fact]
    public async Task ConnectResetRequest_MovesTheConnectionToTheServerItNames()
    {
        await using var first = await NacosStandIn.StartAsync();
        await using var second = await NacosStandIn.StartAsync();
        using var host = StandInHosts.Build(StandInHosts.Config(first, second), "checkout", port: 5005);
        await host.StartAsync();
        var subscription = host.Services.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Single(first.Instances("checkout"));
        Assert.Empty(second.Connections);

        Assert.Equal(1, await first.ResetConnectionsAsync("127.0.0.1", second.Port));

        await Eventually.AssertAsync(() => second.Instances("checkout").Count == 1 && second.Subscribers("orders") == 1, "the instance and the subscription moved to the second server", TimeSpan.FromSeconds(20));
        await Eventually.AssertAsync(() => first.Connections.Count == 0 && first.Instances("checkout").Count == 0, "the first server's connection was closed");
        Assert.Equal($"127.0.0.1:{second.GrpcPort}", host.Services.GetRequiredService<NacosConnectionStatus>().Server);
        Assert.Equal(1, first.Responses("ConnectResetResponse"));

        second.Register("orders", Instance("10.0.0.3", 8080));
        await Eventually.AssertAsync(() => subscription.Current.Endpoints.Any(e => e.EndPoint.ToString() == "10.0.0.3:8080"), "pushes come from the second server");
        await host.StopAsync();
    }

    [Fact]
    public async Task ServerGoesAway_TheConnectionFailsOverToTheNextServer_AndRegistersThere()
    {
        await using var first = await NacosStandIn.StartAsync();
        await using var second = await NacosStandIn.StartAsync();
        using var host = StandInHosts.Build(StandInHosts.Config(first, second), "checkout", port: 5005);
        await host.StartAsync();
        var subscription = host.Services.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Single(first.Instances("checkout"));

        await first.StopAsync();

        await Eventually.AssertAsync(() => second.Instances("checkout").Count == 1 && second.Subscribers("orders") == 1, "the instance and the subscription moved to the second server", TimeSpan.FromSeconds(20));
        Assert.Equal($"127.0.0.1:{second.GrpcPort}", host.Services.GetRequiredService<NacosConnectionStatus>().Server);
        Assert.Contains(host.Services.GetFakeLogCollector().GetSnapshot(), r => r.Id.Name == "NacosGrpcConnectionLost");
        await host.StopAsync();
    }

    [Fact]
    public async Task FirstServerDownAtStart_TheNextOneIsUsed()
    {
        await using var down = await NacosStandIn.StartAsync();
        await down.StopAsync();
        await using var up = await NacosStandIn.StartAsync();
        using var host = StandInHosts.Build(StandInHosts.Config(down, up), "checkout");
        await host.StartAsync();

        Assert.Single(up.Instances("checkout"));
        Assert.Equal(NacosTransport.Grpc, host.Services.GetRequiredService<NacosConnectionStatus>().Transport);
        await host.StopAsync();
    }

    [Fact]
    public async Task ClientDetectionRequest_IsAnswered_AndIdleConnectionsAreHealthChecked()
    {
        await using var nacos = await NacosStandIn.StartAsync();
        var config = StandInHosts.Config(nacos);
        config["Lanes:Nacos:Grpc:HealthCheckInterval"] = "00:00:00.200";
        using var host = StandInHosts.Build(config, "checkout");
        await host.StartAsync();

        Assert.Equal(1, await nacos.DetectClientsAsync());
        await Eventually.AssertAsync(() => nacos.Received("HealthCheckRequest") >= 2, "an idle connection sends health checks");
        Assert.Single(nacos.Connections);
        Assert.Equal(0, host.Services.GetRequiredService<NacosConnectionStatus>().Recoveries);
        await host.StopAsync();
    }

    [Fact]
    public async Task AuthenticationRequired_ExpiredToken_IsRenewedByLoggingInAgain()
    {
        await using var nacos = await NacosStandIn.StartAsync(new NacosStandInOptions { Users = new Dictionary<string, string> { ["nacos"] = "s3cret-pw" } });
        var config = StandInHosts.Config(nacos);
        config["Lanes:Nacos:UserName"] = "nacos";
        config["Lanes:Nacos:Password"] = "s3cret-pw";
        using var host = StandInHosts.Build(config, "checkout");
        await host.StartAsync();
        Assert.Single(nacos.Instances("checkout"));
        var logins = nacos.Logins;
        Assert.Equal(1, logins);

        // The server no longer accepts the token (expired, or its secret changed): the next request gets 403.
        nacos.ExpireTokens();
        nacos.Register("orders", Instance("10.0.0.1", 8080));
        var subscription = host.Services.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Single(subscription.Current.Endpoints);
        Assert.False(subscription.Current.FromFailoverCache);
        Assert.Equal(2, nacos.Logins);
        Assert.Equal(1, nacos.Subscribers("orders"));
        AssertNoSecretsLogged(host, "s3cret-pw");
        await host.StopAsync();
    }

    [Fact]
    public async Task AuthenticationRequired_WithoutCredentials_StopsTheStart_NamingTheKeys()
    {
        await using var nacos = await NacosStandIn.StartAsync(new NacosStandInOptions { Users = new Dictionary<string, string> { ["nacos"] = "pw" } });
        using var host = StandInHosts.Build(StandInHosts.Config(nacos), "checkout");

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("requires authentication", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Lanes:Nacos:UserName and Lanes:Nacos:Password", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Lanes:Nacos:AccessKey and Lanes:Nacos:SecretKey", ex.Message, StringComparison.Ordinal);
        Assert.Empty(nacos.Instances("checkout"));
    }

    [Fact]
    public async Task AccessKeySignature_IsAccepted_AndAWrongSecretIsReportedByKey()
    {
        await using var nacos = await NacosStandIn.StartAsync(new NacosStandInOptions { AccessKeys = new Dictionary<string, string> { ["ak-1"] = "sk-1" } });
        var config = StandInHosts.Config(nacos);
        config["Lanes:Nacos:AccessKey"] = "ak-1";
        config["Lanes:Nacos:SecretKey"] = "sk-1";
        using (var host = StandInHosts.Build(config, "checkout"))
        {
            await host.StartAsync();
            Assert.Single(nacos.Instances("checkout"));
            AssertNoSecretsLogged(host, "sk-1");
            await host.StopAsync();
        }

        var wrong = StandInHosts.Config(nacos);
        wrong["Lanes:Nacos:AccessKey"] = "ak-1";
        wrong["Lanes:Nacos:SecretKey"] = "not-the-secret";
        using var refused = StandInHosts.Build(wrong, "checkout");
        await refused.StartAsync();
        Assert.Empty(nacos.Instances("checkout"));
        Assert.Contains(refused.Services.GetFakeLogCollector().GetSnapshot(), r => r.Level >= LogLevel.Error && r.Message.Contains("Lanes:Nacos:AccessKey and Lanes:Nacos:SecretKey", StringComparison.Ordinal));
        AssertNoSecretsLogged(refused, "not-the-secret");
        await refused.StopAsync();
    }

    [Fact]
    public async Task MalformedPayloads_AreIgnoredAndCounted_AndTheConnectionSurvives()
    {
        await using var nacos = await NacosStandIn.StartAsync();
        var config = StandInHosts.Config(nacos);
        config["Lanes:Nacos:MaxResponseBytes"] = "65536";
        using var host = StandInHosts.Build(config, "checkout");
        await host.StartAsync();
        using var ignored = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), "Lanes", "lanes.nacos.messages.ignored");
        nacos.Register("orders", Instance("10.0.0.1", 8080));
        var subscription = host.Services.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));
        var connection = Assert.Single(nacos.Connections).Id;

        await nacos.SendRawAsync("NotifySubscriberRequest", "this is not JSON"u8.ToArray());
        await nacos.SendRawAsync("SomethingNewRequest", """{"module":"internal","requestId":"1"}"""u8.ToArray());
        await nacos.SendRawAsync("NotifySubscriberRequest", Encoding.UTF8.GetBytes($$"""{"requestId":"2","padding":"{{new string('x', 100_000)}}"}"""));
        await nacos.SendRawAsync("NotifySubscriberRequest", """{"requestId":"3","serviceInfo":{"name":"orders","groupName":"DEFAULT_GROUP","hosts":[{"ip":"10.0.0.5"}]}}"""u8.ToArray());
        Assert.Equal(1, await nacos.PushToAllAsync("never-subscribed", [Instance("10.0.0.7", 80).ToJson("DEFAULT_GROUP@@never-subscribed")]));

        await Eventually.AssertAsync(
            () => Reasons(ignored).IsSupersetOf(["not_json", "unknown_type", "oversized", "malformed", "unknown_service"]),
            $"every bad message was counted by reason; counted: {string.Join(", ", Reasons(ignored))}");

        // Same connection, same list, and the next real push still lands.
        Assert.Equal(connection, Assert.Single(nacos.Connections).Id);
        Assert.Equal("10.0.0.1:8080", Assert.Single(subscription.Current.Endpoints).EndPoint.ToString());
        nacos.Register("orders", Instance("10.0.0.2", 8080));
        await Eventually.AssertAsync(() => subscription.Current.Endpoints.Length == 2, "a good push after the bad ones is applied");
        Assert.Equal(0, host.Services.GetRequiredService<NacosConnectionStatus>().Recoveries);
        Assert.Single(nacos.Instances("checkout"));
        await host.StopAsync();
    }

    [Fact]
    public async Task MessageBeyondTheTransportBound_ReconnectsAndRegistersAgain()
    {
        await using var nacos = await NacosStandIn.StartAsync();
        var config = StandInHosts.Config(nacos);
        config["Lanes:Nacos:MaxResponseBytes"] = "65536";
        using var host = StandInHosts.Build(config, "checkout");
        await host.StartAsync();
        using var ignored = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), "Lanes", "lanes.nacos.messages.ignored");
        var connection = Assert.Single(nacos.Connections).Id;

        // Over twice MaxResponseBytes: gRPC refuses to read it at all (bounded memory); the stream is lost.
        await nacos.SendRawAsync("NotifySubscriberRequest", new byte[300_000]);

        await Eventually.AssertAsync(() => nacos.Connections.Count == 1 && nacos.Connections[0].Id != connection && nacos.Instances("checkout").Count == 1, "a new connection, with the instance registered again", TimeSpan.FromSeconds(20));
        Assert.Contains("oversized", Reasons(ignored));
        await host.StopAsync();
    }

    internal static StandInInstance Instance(string ip, int port, string? lane = null) => new(
        ip,
        port,
        1,
        Healthy: true,
        Enabled: true,
        Ephemeral: true,
        "DEFAULT",
        lane is null ? new Dictionary<string, string> { ["opensergo.io/canary"] = string.Empty } : new Dictionary<string, string> { [$"opensergo.io/canary-{lane}"] = lane },
        ConnectionId: null);

    private static HashSet<string> Reasons(MetricCollector<long> collector) =>
        [.. collector.GetMeasurementSnapshot().Select(m => (string)m.Tags["reason"]!)];

    private static void AssertNoSecretsLogged(IHost host, params string[] secrets)
    {
        foreach (var record in host.Services.GetFakeLogCollector().GetSnapshot())
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, record.Message, StringComparison.Ordinal);
                Assert.DoesNotContain(secret, record.Exception?.ToString() ?? string.Empty, StringComparison.Ordinal);
            }
        }
    }
}
