using System.Text.Json;
using Lanes.Nacos.Client;
using Lanes.Nacos.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Lanes.Nacos.Tests.Client;

public sealed class NacosNamingClientTests
{
    private static readonly NacosInstance s_instance = new(
        new NacosServiceName("ORDER_GROUP", "orders"),
        "10.0.0.7",
        8080,
        "DEFAULT",
        2.5,
        Enabled: true,
        Ephemeral: true,
        new Dictionary<string, string> { ["opensergo.io/canary-gray"] = "gray", ["alicloud.service.tag"] = "gray" });

    [Fact]
    public async Task Register_SendsDocumentedFields()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenInstanceOk();
        var config = TestServices.Config(nacos.Address);
        config["Lanes:Nacos:Namespace"] = "dev";
        await using var provider = TestServices.Build(config);

        await provider.GetRequiredService<NacosNamingClient>().RegisterAsync(s_instance, CancellationToken.None);

        var request = Assert.Single(nacos.Requests(FakeNacos.InstancePath, "POST"));
        Assert.Equal("ORDER_GROUP@@orders", FakeNacos.Query(request, "serviceName"));
        Assert.Equal("ORDER_GROUP", FakeNacos.Query(request, "groupName"));
        Assert.Equal("dev", FakeNacos.Query(request, "namespaceId"));
        Assert.Equal("DEFAULT", FakeNacos.Query(request, "clusterName"));
        Assert.Equal("10.0.0.7", FakeNacos.Query(request, "ip"));
        Assert.Equal("8080", FakeNacos.Query(request, "port"));
        Assert.Equal("2.5", FakeNacos.Query(request, "weight"));
        Assert.Equal("true", FakeNacos.Query(request, "enabled"));
        Assert.Equal("true", FakeNacos.Query(request, "ephemeral"));
        var metadata = JsonSerializer.Deserialize<Dictionary<string, string>>(FakeNacos.Query(request, "metadata")!)!;
        Assert.Equal("gray", metadata["opensergo.io/canary-gray"]);
        Assert.Equal("gray", metadata["alicloud.service.tag"]);
        Assert.StartsWith("Nacos-CSharp-Client:v", request.RequestMessage!.Headers!["User-Agent"][0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deregister_SendsDelete()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenInstanceOk();
        await using var provider = TestServices.Build(TestServices.Config(nacos.Address));

        await provider.GetRequiredService<NacosNamingClient>().DeregisterAsync(s_instance, CancellationToken.None);

        var request = Assert.Single(nacos.Requests(FakeNacos.InstancePath, "DELETE"));
        Assert.Equal("ORDER_GROUP@@orders", FakeNacos.Query(request, "serviceName"));
        Assert.Equal("10.0.0.7", FakeNacos.Query(request, "ip"));
        Assert.Equal("8080", FakeNacos.Query(request, "port"));
        Assert.Equal("true", FakeNacos.Query(request, "ephemeral"));
    }

    [Fact]
    public async Task Beat_SendsBeatJson_AndReadsCodeAndInterval()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenBeat(20404, clientBeatInterval: 3000);
        await using var provider = TestServices.Build(TestServices.Config(nacos.Address));

        var result = await provider.GetRequiredService<NacosNamingClient>().BeatAsync(s_instance, CancellationToken.None);

        Assert.True(result.InstanceNotFound);
        Assert.Equal(TimeSpan.FromSeconds(3), result.ClientBeatInterval);
        var request = Assert.Single(nacos.Requests(FakeNacos.BeatPath, "PUT"));
        Assert.Equal("ORDER_GROUP@@orders", FakeNacos.Query(request, "serviceName"));
        using var beat = JsonDocument.Parse(FakeNacos.Query(request, "beat")!);
        Assert.Equal("10.0.0.7", beat.RootElement.GetProperty("ip").GetString());
        Assert.Equal(8080, beat.RootElement.GetProperty("port").GetInt32());
        Assert.Equal("ORDER_GROUP@@orders", beat.RootElement.GetProperty("serviceName").GetString());
        Assert.Equal("DEFAULT", beat.RootElement.GetProperty("cluster").GetString());
        Assert.Equal("gray", beat.RootElement.GetProperty("metadata").GetProperty("opensergo.io/canary-gray").GetString());
        Assert.True(beat.RootElement.GetProperty("ephemeral").GetBoolean());
    }

    [Fact]
    public async Task ServerError_FailsOverToNextServer()
    {
        using var broken = FakeNacos.Start();
        using var healthy = FakeNacos.Start();
        broken.GivenList("DEFAULT_GROUP@@orders", "boom", status: 500);
        healthy.GivenList("DEFAULT_GROUP@@orders", NacosJson.ServiceInfo("orders", 1, new NacosJson.Host("10.0.0.1", 80)));
        await using var provider = TestServices.Build(TestServices.Config(broken.Address, healthy.Address));
        var client = provider.GetRequiredService<NacosNamingClient>();

        using var answer = await client.ListAsync(new NacosServiceName("DEFAULT_GROUP", "orders"), 0, null, CancellationToken.None);
        using var second = await client.ListAsync(new NacosServiceName("DEFAULT_GROUP", "orders"), 0, null, CancellationToken.None);

        Assert.Contains("10.0.0.1", System.Text.Encoding.UTF8.GetString(answer.Span), StringComparison.Ordinal);
        Assert.Single(broken.Requests(FakeNacos.ListPath));   // the failed server is left until the healthy one fails
        Assert.Equal(2, healthy.Requests(FakeNacos.ListPath).Count);
    }

    [Fact]
    public async Task RefusedConnection_FailsOverToNextServer()
    {
        using var healthy = FakeNacos.Start();
        healthy.GivenList("DEFAULT_GROUP@@orders", NacosJson.ServiceInfo("orders", 1, new NacosJson.Host("10.0.0.1", 80)));
        await using var provider = TestServices.Build(TestServices.Config(FakeNacos.DeadAddress(), healthy.Address));

        using var answer = await provider.GetRequiredService<NacosNamingClient>()
            .ListAsync(new NacosServiceName("DEFAULT_GROUP", "orders"), 0, null, CancellationToken.None);

        Assert.Single(healthy.Requests(FakeNacos.ListPath));
    }

    [Fact]
    public async Task Timeout_FailsOverToNextServer()
    {
        using var slow = FakeNacos.Start();
        using var healthy = FakeNacos.Start();
        slow.GivenList("DEFAULT_GROUP@@orders", NacosJson.ServiceInfo("orders", 1), delay: TimeSpan.FromSeconds(30));
        healthy.GivenList("DEFAULT_GROUP@@orders", NacosJson.ServiceInfo("orders", 1, new NacosJson.Host("10.0.0.1", 80)));
        var config = TestServices.Config(slow.Address, healthy.Address);

        // Long enough for the healthy server's first answer on a busy machine, far shorter than the slow one's.
        config["Lanes:Nacos:RequestTimeout"] = "00:00:04";
        await using var provider = TestServices.Build(config);

        using var answer = await provider.GetRequiredService<NacosNamingClient>()
            .ListAsync(new NacosServiceName("DEFAULT_GROUP", "orders"), 0, null, CancellationToken.None);

        Assert.Contains("10.0.0.1", System.Text.Encoding.UTF8.GetString(answer.Span), StringComparison.Ordinal);
        var failed = Assert.Single(provider.GetFakeLogCollector().GetSnapshot(), r => r.Id.Name == "NacosServerFailed");
        Assert.Equal($"Nacos at {new Uri(slow.Address).Authority} failed to list instances 'DEFAULT_GROUP@@orders' (no answer within 00:00:04); trying the next server.", failed.Message);
    }

    [Fact]
    public async Task EveryServerDown_ThrowsBoundedNacosException()
    {
        var config = TestServices.Config(FakeNacos.DeadAddress(), FakeNacos.DeadAddress());
        config["Lanes:Nacos:MaxRetries"] = "2";
        await using var provider = TestServices.Build(config);

        var ex = await Assert.ThrowsAsync<NacosException>(() => provider.GetRequiredService<NacosNamingClient>()
            .ListAsync(new NacosServiceName("DEFAULT_GROUP", "orders"), 0, null, CancellationToken.None));

        Assert.Contains("6 attempts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_SendsFormCredentials_PresentsToken_AndRenewsBeforeTtlEnds()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenLogin("token-1", tokenTtlSeconds: 100);
        nacos.GivenList("DEFAULT_GROUP@@orders", NacosJson.ServiceInfo("orders", 1));
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var config = TestServices.Config(nacos.Address);
        config["Lanes:Nacos:UserName"] = "nacos";
        config["Lanes:Nacos:Password"] = "s3cret-pw";
        await using var provider = TestServices.Build(config, time);
        var client = provider.GetRequiredService<NacosNamingClient>();
        var service = new NacosServiceName("DEFAULT_GROUP", "orders");

        (await client.ListAsync(service, 0, null, CancellationToken.None)).Dispose();
        time.Advance(TimeSpan.FromSeconds(89));                 // before ttl - ttl/10: the token is reused
        (await client.ListAsync(service, 0, null, CancellationToken.None)).Dispose();
        Assert.Single(nacos.Requests(FakeNacos.LoginPath));

        time.Advance(TimeSpan.FromSeconds(2));                  // past 90 s: renewed before it expires
        nacos.GivenLogin("token-2", tokenTtlSeconds: 100);
        (await client.ListAsync(service, 0, null, CancellationToken.None)).Dispose();

        var logins = nacos.Requests(FakeNacos.LoginPath);
        Assert.Equal(2, logins.Count);
        Assert.Equal("username=nacos&password=s3cret-pw", logins[0].RequestMessage!.Body);
        Assert.Null(FakeNacos.Query(logins[0], "password"));
        var lists = nacos.Requests(FakeNacos.ListPath);
        Assert.Equal("token-1", FakeNacos.Query(lists[0], "accessToken"));
        Assert.Equal("token-1", FakeNacos.Query(lists[1], "accessToken"));
        Assert.Equal("token-2", FakeNacos.Query(lists[2], "accessToken"));
        AssertNoSecretsLogged(provider, "s3cret-pw", "token-1", "token-2");
    }

    [Fact]
    public async Task Forbidden_LogsInAgain_AndRetries()
    {
        using var nacos = FakeNacos.Start();
        // The first login hands out a token the server then refuses (403); the second login a good one.
        nacos.Server.Given(Request.Create().WithPath(FakeNacos.LoginPath).UsingPost())
            .InScenario("login").WillSetStateTo("stale-issued")
            .RespondWith(Response.Create().WithBody("""{"accessToken":"stale-token","tokenTtl":18000}"""));
        nacos.Server.Given(Request.Create().WithPath(FakeNacos.LoginPath).UsingPost())
            .InScenario("login").WhenStateIs("stale-issued")
            .RespondWith(Response.Create().WithBody("""{"accessToken":"fresh-token","tokenTtl":18000}"""));
        nacos.Server.Given(Request.Create().WithPath(FakeNacos.ListPath).WithParam("accessToken", "stale-token").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(403).WithBody("token expired!"));
        nacos.Server.Given(Request.Create().WithPath(FakeNacos.ListPath).WithParam("accessToken", "fresh-token").UsingGet())
            .RespondWith(Response.Create().WithBody(NacosJson.ServiceInfo("orders", 1)));
        var config = TestServices.Config(nacos.Address);
        config["Lanes:Nacos:UserName"] = "nacos";
        config["Lanes:Nacos:Password"] = "s3cret-pw";
        await using var provider = TestServices.Build(config);

        using var answer = await provider.GetRequiredService<NacosNamingClient>()
            .ListAsync(new NacosServiceName("DEFAULT_GROUP", "orders"), 0, null, CancellationToken.None);

        Assert.Equal(403, nacos.Requests(FakeNacos.ListPath)[0].ResponseMessage!.StatusCode);
        Assert.Equal(2, nacos.Requests(FakeNacos.LoginPath).Count);
        Assert.Equal("fresh-token", FakeNacos.Query(nacos.Requests(FakeNacos.ListPath)[^1], "accessToken"));
        AssertNoSecretsLogged(provider, "s3cret-pw", "stale-token", "fresh-token");
    }

    [Fact]
    public async Task RefusedLogin_FailsWithoutRetrying_AndNeverLogsThePassword()
    {
        using var nacos = FakeNacos.Start();
        nacos.Server.Given(Request.Create().WithPath(FakeNacos.LoginPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(403).WithBody("user not found!"));
        var config = TestServices.Config(nacos.Address);
        config["Lanes:Nacos:UserName"] = "nacos";
        config["Lanes:Nacos:Password"] = "s3cret-pw";
        config["Lanes:Nacos:MaxRetries"] = "3";
        await using var provider = TestServices.Build(config);

        var ex = await Assert.ThrowsAsync<NacosAuthenticationException>(() => provider.GetRequiredService<NacosNamingClient>()
            .ListAsync(new NacosServiceName("DEFAULT_GROUP", "orders"), 0, null, CancellationToken.None));

        Assert.Single(nacos.Requests(FakeNacos.LoginPath));
        Assert.True(ex.ConfigurationError);
        Assert.Contains("Lanes:Nacos:UserName and Lanes:Nacos:Password", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", ex.ToString(), StringComparison.Ordinal);
        AssertNoSecretsLogged(provider, "s3cret-pw");
    }

    private static void AssertNoSecretsLogged(IServiceProvider provider, params string[] secrets)
    {
        foreach (var record in provider.GetFakeLogCollector().GetSnapshot())
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, record.Message, StringComparison.Ordinal);
                Assert.DoesNotContain(secret, record.Exception?.ToString() ?? string.Empty, StringComparison.Ordinal);
            }
        }
    }
}
