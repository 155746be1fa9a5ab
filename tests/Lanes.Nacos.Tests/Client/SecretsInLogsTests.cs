using Lanes.Nacos.Client;
using Lanes.Nacos.Registration;
using Lanes.Nacos.Subscriptions;
using Lanes.Nacos.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Lanes.Nacos.Tests.Client;

/// <summary>
/// The Nacos password and the access tokens never reach a log, at any level, in any part of a record (message,
/// structured state, scopes, exception), nor an exception the caller sees, through every path that uses them:
/// login, discovery, registration, heartbeats, deregistration, a refused token, server errors, a refused login and
/// a configuration error.
/// </summary>
public sealed class SecretsInLogsTests
{
    private const string Password = "pw-7c1e0d2a-secret";
    private const string StaleToken = "tok-stale-94be1f0c";
    private const string Token = "tok-fresh-3f9a77d1";

    [Fact]
    public async Task EveryPathThatUsesThem_LogsNeitherPasswordNorToken()
    {
        using var nacos = FakeNacos.Start();
        GivenAuthenticatedServer(nacos);
        var time = new FakeTimeProvider();
        var config = TestServices.Config(nacos.Address);
        config["Lanes:Nacos:UserName"] = "nacos";
        config["Lanes:Nacos:Password"] = Password;
        config["Lanes:Nacos:Registration:ServiceName"] = "orders";
        config["Lanes:Nacos:Registration:Ip"] = "127.0.0.1";
        config["Lanes:Nacos:Registration:Port"] = "5000";
        await using var provider = Build(config, time, register: true);
        var catalog = provider.GetRequiredService<NacosServiceCatalog>();
        var registration = provider.GetRequiredService<NacosRegistrationService>();

        // Login (the first token is refused once, so a second login follows), discovery and registration.
        var subscription = catalog.Subscribe(new NacosServiceName("DEFAULT_GROUP", "orders"))!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(30));
        await registration.StartedAsync(CancellationToken.None);
        Assert.True(registration.Registered);

        // Heartbeats, then a server failing the next poll.
        var beats = nacos.Requests(FakeNacos.BeatPath).Count;
        await Eventually.AdvanceUntilAsync(time, TimeSpan.FromSeconds(5), () => nacos.Requests(FakeNacos.BeatPath).Count > beats, "a heartbeat");
        nacos.Server.Given(Request.Create().WithPath(FakeNacos.ListPath).UsingGet()).AtPriority(0)
            .RespondWith(Response.Create().WithStatusCode(500).WithBody($"internal error for {Token}"));
        await Eventually.AdvanceUntilAsync(time, TimeSpan.FromSeconds(10), () => provider.GetFakeLogCollector().GetSnapshot().Any(r => r.Id.Name == "NacosRefreshFailed"), "a failed poll");

        await registration.StoppingAsync(CancellationToken.None);

        Assert.Contains(nacos.Requests(FakeNacos.InstancePath, "DELETE"), r => FakeNacos.Query(r, "accessToken") == Token);
        Assert.Equal(2, nacos.Requests(FakeNacos.LoginPath).Count);
        var events = provider.GetFakeLogCollector().GetSnapshot().Select(r => r.Id.Name).ToHashSet();
        Assert.Superset(new HashSet<string?> { "NacosLoggedIn", "NacosTokenRejected", "NacosRefreshFailed", "NacosServerFailed" }, events);
        AssertNoSecretLogged(provider, minimumRecords: 5);
    }

    [Fact]
    public async Task RefusedLogin_LogsNoPassword_AndItsErrorHoldsNone()
    {
        using var nacos = FakeNacos.Start();
        nacos.Server.Given(Request.Create().WithPath(FakeNacos.LoginPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(403).WithBody($"bad password {Password}"));
        var config = TestServices.Config(nacos.Address);
        config["Lanes:Nacos:UserName"] = "nacos";
        config["Lanes:Nacos:Password"] = Password;
        await using var provider = Build(config, new FakeTimeProvider());

        var error = await Assert.ThrowsAnyAsync<NacosException>(() => provider.GetRequiredService<NacosNamingClient>()
            .ListAsync(new NacosServiceName("DEFAULT_GROUP", "orders"), 0, null, CancellationToken.None));

        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
        AssertNoSecretLogged(provider, minimumRecords: 1);
    }

    [Fact]
    public async Task ConfigurationError_NamesKeys_NotThePassword()
    {
        var config = TestServices.Config("not-a-url");
        config["Lanes:Nacos:UserName"] = "nacos";
        config["Lanes:Nacos:Password"] = Password;
        await using var provider = Build(config, new FakeTimeProvider());

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<NacosOptions>>().Value);

        Assert.Contains("Lanes:Nacos:ServerAddresses:0", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
        AssertNoSecretLogged(provider, minimumRecords: 0);
    }

    // Logins hand out a token the server refuses once, then a good one; every API call needs the good one.
    private static void GivenAuthenticatedServer(FakeNacos nacos)
    {
        nacos.Server.Given(Request.Create().WithPath(FakeNacos.LoginPath).UsingPost().WithBody($"username=nacos&password={Password}"))
            .InScenario("login").WillSetStateTo("stale-issued")
            .RespondWith(Response.Create().WithBody($$"""{"accessToken":"{{StaleToken}}","tokenTtl":18000}"""));
        nacos.Server.Given(Request.Create().WithPath(FakeNacos.LoginPath).UsingPost().WithBody($"username=nacos&password={Password}"))
            .InScenario("login").WhenStateIs("stale-issued")
            .RespondWith(Response.Create().WithBody($$"""{"accessToken":"{{Token}}","tokenTtl":18000}"""));
        foreach (var path in new[] { FakeNacos.ListPath, FakeNacos.InstancePath, FakeNacos.BeatPath })
        {
            nacos.Server.Given(Request.Create().WithPath(path).WithParam("accessToken", StaleToken)).AtPriority(2)
                .RespondWith(Response.Create().WithStatusCode(403).WithBody($"token {StaleToken} expired!"));
        }

        nacos.Server.Given(Request.Create().WithPath(FakeNacos.ListPath).UsingGet().WithParam("accessToken", Token)).AtPriority(3)
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(NacosJson.ServiceInfo("orders", 1, new NacosJson.Host("10.0.0.1", 80))));
        nacos.Server.Given(Request.Create().WithPath(FakeNacos.InstancePath).WithParam("accessToken", Token)).AtPriority(3)
            .RespondWith(Response.Create().WithBody("ok"));
        nacos.Server.Given(Request.Create().WithPath(FakeNacos.BeatPath).UsingPut().WithParam("accessToken", Token)).AtPriority(3)
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody("""{"clientBeatInterval":5000,"code":10200}"""));
    }

    private static ServiceProvider Build(Dictionary<string, string?> config, TimeProvider time, bool register = false)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(config).Build());
        services.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Trace));
        services.AddSingleton(time);
        services.AddTrafficLanesNacosDiscovery();
        if (register)
        {
            services.AddTrafficLanesNacosRegistration();
        }

        return services.BuildServiceProvider();
    }

    private static void AssertNoSecretLogged(IServiceProvider provider, int minimumRecords)
    {
        var records = provider.GetFakeLogCollector().GetSnapshot();
        Assert.True(records.Count >= minimumRecords, $"only {records.Count} records were logged");
        foreach (var record in records)
        {
            var parts = new List<string?> { record.Message, record.Exception?.ToString() };
            parts.AddRange(record.StructuredState?.Select(p => p.Value) ?? []);
            parts.AddRange(record.Scopes.Select(s => s?.ToString()));
            foreach (var secret in new[] { Password, StaleToken, Token })
            {
                Assert.False(parts.Any(part => part?.Contains(secret, StringComparison.Ordinal) == true), $"{record.Category} {record.Id.Name} logged a secret: {record.Message}");
            }
        }
    }
}
