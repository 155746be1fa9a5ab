using System.Text.Json;
using Lanes.Nacos.Registration;
using Lanes.Nacos.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Lanes.Nacos.Tests.EndToEnd;

/// <summary>
/// An instance killed without deregistering is taken out of rotation by the callers' passive health; when it comes
/// back at the same address and registers again, callers drop that ejection at once, not when it would have expired.
/// The caller's clock is fake and never advanced, so only the re-registration can bring the instance back.
/// </summary>
public sealed class NacosReRegistrationTests : IAsyncLifetime
{
    private readonly StatefulFakeNacos _nacos = new();
    private readonly FakeTimeProvider _callerTime = new();
    private readonly int _grayPort = FakeNacos.FreeTcpPort();
    private WebApplication _base = null!;
    private WebApplication? _gray;
    private ServiceProvider _caller = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _base = await StartInstanceAsync("C", FakeNacos.FreeTcpPort(), lane: null);
        _gray = await StartInstanceAsync("Cgray", _grayPort, lane: "gray");

        var config = Config();
        config["Lanes:Nacos:Registration:Enabled"] = "false";
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(config).Build());
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_callerTime);
        services.AddTrafficLanesNacosDiscovery();
        services.AddHttpClient("caller").AddTrafficLanes();
        _caller = services.BuildServiceProvider();
        _client = _caller.GetRequiredService<IHttpClientFactory>().CreateClient("caller");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _caller.DisposeAsync();
        if (_gray is not null)
        {
            await _gray.DisposeAsync();
        }

        await _base.DisposeAsync();
        _nacos.Dispose();
    }

    [Fact]
    public async Task KilledInstance_ThatRegistersAgain_IsBackInItsLaneAtOnce()
    {
        Assert.Equal("Cgray", await GrayAsync());

        // Killed: the registry never hears of it (its deregistration fails), the port stops answering.
        _nacos.OnDeregister = (_, port) =>
        {
            if (port == _grayPort)
            {
                throw new InvalidOperationException("killed: no deregistration reaches Nacos");
            }
        };
        await _gray!.DisposeAsync();
        _gray = null;
        Assert.Equal(2, _nacos.InstanceCount("DEFAULT_GROUP@@svc-c"));

        // Refused twice in a row (the lane's last instance): out of rotation, and the clock never lets it back.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("C", await GrayAsync());
        }

        // The process comes back at the same address and registers again.
        _nacos.OnDeregister = null;
        var registrations = _nacos.Registrations;
        _gray = await StartInstanceAsync("Cgray", _grayPort, lane: "gray");
        Assert.True(await Eventually.TrueAsync(() => _nacos.Registrations > registrations), "the restarted instance registered");

        string? last = null;
        Assert.True(await Eventually.TrueAsync(async () => (last = await GrayAsync()) == "Cgray", TimeSpan.FromSeconds(30)), $"gray traffic is back on Cgray; last answer {last}");
    }

    [Fact]
    public async Task EachStartRegistersWithItsOwnStartTime()
    {
        var first = await RegistrationMetadataAsync(new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero));
        var restarted = await RegistrationMetadataAsync(new DateTimeOffset(2026, 1, 1, 8, 0, 3, TimeSpan.Zero));

        Assert.Equal("2026-01-01T08:00:00.0000000+00:00", first[NacosRegistrationService.StartedAtKey]);
        Assert.NotEqual(first[NacosRegistrationService.StartedAtKey], restarted[NacosRegistrationService.StartedAtKey]);
    }

    private static async Task<IReadOnlyDictionary<string, string>> RegistrationMetadataAsync(DateTimeOffset now)
    {
        var config = TestServices.Config("http://127.0.0.1:8848");
        config["Lanes:Nacos:Registration:ServiceName"] = "svc";
        config["Lanes:Nacos:Registration:Ip"] = "10.0.0.1";
        config["Lanes:Nacos:Registration:Port"] = "8080";
        await using var provider = TestServices.Build(config, new FakeTimeProvider(now), s => s.AddTrafficLanesNacosRegistration());
        return provider.GetRequiredService<NacosRegistrationService>().BuildInstance().Metadata;
    }

    private async Task<string> GrayAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://svc-c/");
        request.Headers.Add("x-mse-tag", "gray");
        using var response = await _client.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    private Dictionary<string, string?> Config()
    {
        var config = TestServices.Config(_nacos.Address);
        config["Lanes:Nacos:Push:Enabled"] = "true";
        config["Lanes:Nacos:Push:BindAddress"] = "127.0.0.1";
        config["Lanes:Nacos:Push:ClientIp"] = "127.0.0.1";
        config["Lanes:Nacos:Registration:Ip"] = "127.0.0.1";
        config["Lanes:Nacos:MinRefreshInterval"] = "00:00:30";
        config["Lanes:Nacos:MaxRefreshInterval"] = "00:01:00";
        return config;
    }

    private async Task<WebApplication> StartInstanceAsync(string name, int port, string? lane)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var config = Config();
        config["urls"] = $"http://127.0.0.1:{port}";
        config["Lanes:Nacos:Registration:ServiceName"] = "svc-c";
        config["Lanes:Lane"] = lane;
        config["Lanes:PodLabelsPath"] = "/nonexistent/" + name;
        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.ClearProviders();
        builder.Services.AddTrafficLanes();
        builder.Services.AddTrafficLanesNacos();
        var app = builder.Build();
        app.UseTrafficLanes();
        app.MapGet("/", () => name);
        await app.StartAsync();
        return app;
    }
}
