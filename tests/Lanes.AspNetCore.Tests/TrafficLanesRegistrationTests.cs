using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lanes.AspNetCore.Tests;

public class TrafficLanesRegistrationTests
{
    [Fact]
    public async Task InvalidEntryRule_StopsStartup_NamingTheKey()
    {
        var builder = LoopbackApp.Builder(new Dictionary<string, string?>
        {
            ["Lanes:Entry:Rules:0:Matches:0:Headers:0:Type"] = "Prefix",
            ["Lanes:Entry:Rules:0:Matches:0:Headers:0:Name"] = "User-Agent",
            ["Lanes:Entry:Rules:0:Matches:0:Headers:0:Value"] = "xiao",
            ["Lanes:Entry:Rules:0:Lane"] = "gray",
        });
        builder.Services.AddTrafficLanes();
        await using var app = builder.Build();
        app.UseTrafficLanes();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Lanes:Entry:Rules:0:Matches:0:Headers:0:Type", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("150", "Lanes:Entry:Rules:0:Percent")]
    [InlineData("often", "Lanes:Entry:Rules:0:Percent")]
    public async Task InvalidPercent_StopsStartup_NamingTheKey(string percent, string key)
    {
        var builder = LoopbackApp.Builder(new Dictionary<string, string?>
        {
            ["Lanes:Entry:Rules:0:Lane"] = "gray",
            ["Lanes:Entry:Rules:0:Percent"] = percent,
        });
        builder.Services.AddTrafficLanes();
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidInstanceLane_StopsStartup_NamingTheKey()
    {
        var builder = LoopbackApp.Builder(new Dictionary<string, string?> { ["Lanes:Lane"] = "GRAY" });
        builder.Services.AddTrafficLanes();
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Lanes:Lane", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UseTrafficLanes_WithoutAddTrafficLanes_SaysWhatToCall()
    {
        await using var app = LoopbackApp.Builder().Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.UseTrafficLanes());

        Assert.Contains("AddTrafficLanes()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddTrafficLanes_Twice_RegistersOnce()
    {
        var services = new ServiceCollection();

        services.AddTrafficLanes().AddTrafficLanes();

        // The Lanes validators (the options' own and the check of unknown keys), each once.
        var validators = services.Where(d => d.ServiceType == typeof(IValidateOptions<LanesOptions>)).Select(d => d.ImplementationType).ToList();
        Assert.Equal(2, validators.Count);
        Assert.Equal(2, validators.Distinct().Count());
        Assert.Single(services, d => d.ServiceType == typeof(IConfigureOptions<LanesOptions>));
    }

    [Fact]
    public async Task ServiceCallsThroughLanesClient_CarryTheRequestLane()
    {
        // Downstream echoes the lane header it received.
        var downstream = LoopbackApp.Builder().Build();
        downstream.Run(context => context.Response.WriteAsync(context.Request.Headers["x-mse-tag"].ToString()));
        var (_, downstreamClient) = await LoopbackApp.StartAsync(downstream);
        await using var __ = downstream;
        using var ___ = downstreamClient;

        var builder = LoopbackApp.Builder(new Dictionary<string, string?> { ["Lanes:Services:echo:0:Url"] = downstream.Urls.Single() });
        builder.Services.AddTrafficLanes();
        builder.Services.AddHttpClient("echo").AddTrafficLanes();
        await using var app = builder.Build();
        app.UseTrafficLanes();
        app.Run(async context =>
        {
            var client = context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient("echo");
            await context.Response.WriteAsync(await client.GetStringAsync("http://echo/"));
        });
        var (_, client) = await LoopbackApp.StartAsync(app);
        using var ____ = client;

        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("x-mse-tag", "gray");
        using var response = await client.SendAsync(request);

        Assert.Equal("gray", await response.Content.ReadAsStringAsync());
        Assert.Equal(string.Empty, await client.GetStringAsync("/"));
    }
}
