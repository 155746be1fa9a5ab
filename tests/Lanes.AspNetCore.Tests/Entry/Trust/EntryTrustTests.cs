using System.Security.Cryptography;
using Lanes.AspNetCore.Entry.Trust;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lanes.AspNetCore.Tests.Entry.Trust;

/// <summary>A plain ASP.NET Core entry (no YARP): the trust boundary runs before the rules; services behind keep trusting the tag.</summary>
public class EntryTrustTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public async Task AppWithRules_IsAnEntry_ClientLaneRemoved_RuleStillApplies()
    {
        await using var app = await StartAsync(new()
        {
            ["Lanes:Entry:Rules:0:Matches:0:Headers:0:Name"] = "User-Agent",
            ["Lanes:Entry:Rules:0:Matches:0:Headers:0:Value"] = "xiaoming",
            ["Lanes:Entry:Rules:0:RequestHeaderModifier:Set:0:Name"] = "x-mse-tag",
            ["Lanes:Entry:Rules:0:RequestHeaderModifier:Set:0:Value"] = "gray",
        });

        Assert.Equal("base|", await GetAsync(app, ("x-mse-tag", "gray")));
        Assert.Equal("base|", await GetAsync(app, ("baggage", "x-mse-tag=gray")));
        Assert.Equal("gray|gray", await GetAsync(app, ("User-Agent", "xiaoming")));
        Assert.Equal("gray|gray", await GetAsync(app, ("User-Agent", "xiaoming"), ("x-mse-tag", "blue")));
    }

    [Fact]
    public async Task AddTrafficLanesEntry_WithoutRules_IsAnEntry()
    {
        await using var app = await StartAsync([], entry: true);

        Assert.Equal("base|", await GetAsync(app, ("x-mse-tag", "gray")));
    }

    [Fact]
    public async Task ExplicitlyNotAnEntry_TrustsTheTag()
    {
        await using var app = await StartAsync(new() { ["Lanes:Entry:Enabled"] = "false" }, entry: true);

        Assert.Equal("gray|gray", await GetAsync(app, ("x-mse-tag", "gray")));
    }

    [Fact]
    public async Task TokenAndTrustedProxy_OpenTheLane()
    {
        await using var tokens = await StartAsync(new() { ["Lanes:Entry:Tokens:Keys:k1"] = Convert.ToBase64String(Key) }, entry: true);
        await using var proxies = await StartAsync(new() { ["Lanes:Entry:TrustedProxies:0"] = "127.0.0.0/8" }, entry: true);
        var token = LaneToken.Issue(Lane.Parse("gray"), DateTimeOffset.UtcNow.AddMinutes(5), null, "k1", Key);

        Assert.Equal("gray|gray", await GetAsync(tokens, ("lanes-token", token)));
        Assert.Equal("gray|gray", await GetAsync(proxies, ("x-mse-tag", "gray")));
    }

    [Theory]
    [InlineData("Lanes:Entry:TrustedProxies:0", "internal", "Lanes:Entry:TrustedProxies:0")]
    [InlineData("Lanes:Entry:AllowedLanes:0", "Gray", "Lanes:Entry:AllowedLanes:0")]
    [InlineData("Lanes:Entry:Tokens:Keys:k1", "c2hvcnQ=", "Lanes:Entry:Tokens:Keys:k1")]
    [InlineData("Lanes:Entry:Rules:0:Matches:0:QueryParams:0:Type", "Prefix", "Lanes:Entry:Rules:0:Matches:0:QueryParams:0:Type")]
    public async Task BadEntrySettings_StopStartup_NamingTheKey(string key, string value, string named)
    {
        var builder = LoopbackApp.Builder(new Dictionary<string, string?>
        {
            [key] = value,
            ["Lanes:Entry:Rules:0:Lane"] = "gray",
            ["Lanes:Entry:Rules:0:Matches:0:QueryParams:0:Name"] = "canary",
            ["Lanes:Entry:Rules:0:Matches:0:QueryParams:0:Value"] = "1",
        });
        builder.Services.AddTrafficLanesEntry();
        await using var app = builder.Build();
        app.UseTrafficLanes();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryPathAndCookieRules_FromConfiguration()
    {
        await using var app = await StartAsync(new()
        {
            ["Lanes:Entry:Rules:0:Lane"] = "gray",
            ["Lanes:Entry:Rules:0:Matches:0:Path:Type"] = "PathPrefix",
            ["Lanes:Entry:Rules:0:Matches:0:Path:Value"] = "/api",
            ["Lanes:Entry:Rules:0:Matches:0:QueryParams:0:Name"] = "canary",
            ["Lanes:Entry:Rules:0:Matches:0:QueryParams:0:Value"] = "yes",
            ["Lanes:Entry:Rules:0:Matches:1:Cookies:0:Type"] = "RegularExpression",
            ["Lanes:Entry:Rules:0:Matches:1:Cookies:0:Name"] = "tester",
            ["Lanes:Entry:Rules:0:Matches:1:Cookies:0:Value"] = "qa-[0-9]+",
        });

        Assert.Equal("gray|gray", await GetAsync(app, path: "/api/orders?canary=yes"));
        Assert.Equal("base|", await GetAsync(app, path: "/other?canary=yes"));
        Assert.Equal("gray|gray", await GetAsync(app, path: "/other", headers: ("Cookie", "tester=qa-7")));
        Assert.Equal("base|", await GetAsync(app, path: "/other", headers: ("Cookie", "tester=dev-7")));
    }

    private static async Task<WebApplication> StartAsync(Dictionary<string, string?> settings, bool entry = false)
    {
        var builder = LoopbackApp.Builder(settings);
        if (entry)
        {
            builder.Services.AddTrafficLanesEntry();
        }
        else
        {
            builder.Services.AddTrafficLanes();
        }

        var app = builder.Build();
        app.UseTrafficLanes();
        app.Run(context => context.Response.WriteAsync($"{LaneContext.Current}|{context.Request.Headers["x-mse-tag"]}"));
        await app.StartAsync();
        return app;
    }

    private static Task<string> GetAsync(WebApplication app, params (string Name, string Value)[] headers) => GetAsync(app, "/", headers);

    private static async Task<string> GetAsync(WebApplication app, string path, params (string Name, string Value)[] headers)
    {
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }
}
