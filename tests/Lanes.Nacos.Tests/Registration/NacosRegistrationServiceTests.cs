using System.Text.Json;
using Lanes.Nacos.Registration;
using Lanes.Nacos.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Lanes.Nacos.Tests.Registration;

public sealed class NacosRegistrationServiceTests
{
    [Fact]
    public async Task Start_RegistersAddressPortWeightAndLaneMetadata()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenInstanceOk();
        nacos.GivenBeat(10200);
        using var host = BuildHost(nacos, new FakeTimeProvider(), lane: "gray");

        await host.StartAsync();

        var request = Assert.Single(nacos.Requests(FakeNacos.InstancePath, "POST"));
        Assert.Equal("DEFAULT_GROUP@@checkout", FakeNacos.Query(request, "serviceName"));
        Assert.Equal("10.1.2.3", FakeNacos.Query(request, "ip"));
        Assert.Equal("5005", FakeNacos.Query(request, "port"));
        Assert.Equal("3", FakeNacos.Query(request, "weight"));
        Assert.Equal("public", FakeNacos.Query(request, "namespaceId"));
        var metadata = JsonSerializer.Deserialize<Dictionary<string, string>>(FakeNacos.Query(request, "metadata")!)!;
        Assert.Equal("gray", metadata["opensergo.io/canary-gray"]);
        Assert.Equal("gray", metadata["alicloud.service.tag"]);
        Assert.False(metadata.ContainsKey("opensergo.io/canary"));
        Assert.Equal("payments", metadata["team"]);
        Assert.Equal("LANES", metadata[NacosRegistrationService.RegisterSourceKey]);
        await host.StopAsync();
    }

    [Fact]
    public async Task BaseInstance_IsTaggedWithEmptyCanaryKey()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenInstanceOk();
        using var host = BuildHost(nacos, new FakeTimeProvider(), lane: null);

        await host.StartAsync();

        var metadata = JsonSerializer.Deserialize<Dictionary<string, string>>(FakeNacos.Query(nacos.Requests(FakeNacos.InstancePath, "POST")[0], "metadata")!)!;
        Assert.Equal(string.Empty, metadata["opensergo.io/canary"]);
        Assert.DoesNotContain(metadata.Keys, k => k.StartsWith("opensergo.io/canary-", StringComparison.Ordinal));
        Assert.False(metadata.ContainsKey("alicloud.service.tag"));
        await host.StopAsync();
    }

    [Fact]
    public async Task Heartbeats_FollowInterval_AndReRegisterOn20404()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenInstanceOk();
        nacos.GivenBeat(10200, clientBeatInterval: 5000);
        var time = new FakeTimeProvider();
        using var host = BuildHost(nacos, time, lane: "gray");
        await host.StartAsync();

        time.Advance(TimeSpan.FromSeconds(5));
        await Eventually.AssertAsync(() => nacos.Requests(FakeNacos.BeatPath, "PUT").Count == 1, "a heartbeat after 5 s");
        var beat = nacos.Requests(FakeNacos.BeatPath, "PUT")[0];
        Assert.Equal("DEFAULT_GROUP@@checkout", FakeNacos.Query(beat, "serviceName"));
        using (var body = JsonDocument.Parse(FakeNacos.Query(beat, "beat")!))
        {
            Assert.Equal("10.1.2.3", body.RootElement.GetProperty("ip").GetString());
            Assert.Equal("gray", body.RootElement.GetProperty("metadata").GetProperty("alicloud.service.tag").GetString());
        }

        // The server restarted and lost the instance: it answers 20404 and the instance registers again.
        nacos.GivenBeat(20404, clientBeatInterval: 5000);
        await Eventually.AdvanceUntilAsync(time, TimeSpan.FromSeconds(5), () => nacos.Requests(FakeNacos.InstancePath, "POST").Count >= 2, "re-registered after 20404");

        // Back to normal: once the answers are 10200 again, beats go on without registering.
        nacos.GivenBeat(10200, clientBeatInterval: 5000);
        await AdvanceBeatsAsync(nacos, time, 2);
        var registrations = nacos.Requests(FakeNacos.InstancePath, "POST").Count;
        await AdvanceBeatsAsync(nacos, time, 2);
        Assert.Equal(registrations, nacos.Requests(FakeNacos.InstancePath, "POST").Count);
        await host.StopAsync();
    }

    [Fact]
    public async Task Stop_Deregisters()
    {
        using var nacos = FakeNacos.Start();
        nacos.GivenInstanceOk();
        using var host = BuildHost(nacos, new FakeTimeProvider(), lane: "gray");
        await host.StartAsync();

        await host.StopAsync();

        var request = Assert.Single(nacos.Requests(FakeNacos.InstancePath, "DELETE"));
        Assert.Equal("DEFAULT_GROUP@@checkout", FakeNacos.Query(request, "serviceName"));
        Assert.Equal("10.1.2.3", FakeNacos.Query(request, "ip"));
        Assert.Equal("5005", FakeNacos.Query(request, "port"));
    }

    [Fact]
    public async Task NacosDownAtStart_DoesNotStopTheHost_AndRegistersLater()
    {
        using var nacos = FakeNacos.Start();
        nacos.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath(FakeNacos.InstancePath).UsingPost()).AtPriority(1)
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(503));
        var time = new FakeTimeProvider();
        using var host = BuildHost(nacos, time, lane: null);

        await host.StartAsync();
        Assert.False(host.Services.GetRequiredService<NacosRegistrationService>().Registered);

        nacos.Server.ResetMappings();
        nacos.GivenInstanceOk();
        time.Advance(TimeSpan.FromSeconds(5));
        await Eventually.AssertAsync(() => host.Services.GetRequiredService<NacosRegistrationService>().Registered, "registered once Nacos is back");
        await host.StopAsync();
    }

    [Fact]
    public void Port_ComesFromUrls_WhenNotConfigured()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = "http://+:7070;http://localhost:7071" }).Build();

        Assert.Equal(7070, InstanceAddressResolver.ResolvePort(new NacosRegistrationOptions(), configuration));
        Assert.Equal(9, InstanceAddressResolver.ResolvePort(new NacosRegistrationOptions { Port = 9 }, configuration));
        Assert.Null(InstanceAddressResolver.ResolvePort(new NacosRegistrationOptions(), new ConfigurationBuilder().Build()));
    }

    [Fact]
    public void Ip_ComesFromConfigThenPodIp()
    {
        Assert.Equal("10.9.9.9", InstanceAddressResolver.ResolveIp(new NacosRegistrationOptions { Ip = "10.9.9.9" }, _ => "10.0.0.1"));
        Assert.Equal("10.0.0.1", InstanceAddressResolver.ResolveIp(new NacosRegistrationOptions(), k => k == "POD_IP" ? "10.0.0.1" : null));
        Assert.False(string.IsNullOrEmpty(InstanceAddressResolver.ResolveIp(new NacosRegistrationOptions(), _ => null)));
    }

    private static async Task AdvanceBeatsAsync(FakeNacos nacos, FakeTimeProvider time, int beats)
    {
        var target = nacos.Requests(FakeNacos.BeatPath, "PUT").Count + beats;
        await Eventually.AdvanceUntilAsync(time, TimeSpan.FromSeconds(5), () => nacos.Requests(FakeNacos.BeatPath, "PUT").Count >= target, "heartbeats go on");
    }

    private static IHost BuildHost(FakeNacos nacos, FakeTimeProvider time, string? lane)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var config = TestServices.Config(nacos.Address);
        config["Lanes:Nacos:Registration:ServiceName"] = "checkout";
        config["Lanes:Nacos:Registration:Ip"] = "10.1.2.3";
        config["Lanes:Nacos:Registration:Port"] = "5005";
        config["Lanes:Nacos:Registration:Weight"] = "3";
        config["Lanes:Nacos:Registration:Metadata:team"] = "payments";
        config["Lanes:PodLabelsPath"] = "/nonexistent/labels";
        if (lane is not null)
        {
            config["Lanes:Lane"] = lane;
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Logging.AddFakeLogging();
        builder.Services.AddTrafficLanesNacos();
        return builder.Build();
    }
}
