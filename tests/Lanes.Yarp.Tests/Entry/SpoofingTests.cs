using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Lanes.AspNetCore.Entry.Trust;
using Lanes.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Lanes.Yarp.Tests.Entry;

/// <summary>Outside clients cannot walk into a lane; trusted proxies and testers with a lane token can.</summary>
public sealed class SpoofingTests : IDisposable
{
    private static readonly (string, string?)[] Instances = [("A", null), ("Agray", "gray"), ("Ablue", "blue")];
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] OldKey = RandomNumberGenerator.GetBytes(32);

    // Hosting creates a request activity (and puts the incoming baggage on it) only when someone listens.
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = static source => source.Name == "Microsoft.AspNetCore",
        Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
    };

    public SpoofingTests() => ActivitySource.AddActivityListener(_listener);

    public void Dispose() => _listener.Dispose();

    [Theory]
    [InlineData("x-mse-tag", "gray")]
    [InlineData("baggage", "x-mse-tag=gray")]
    [InlineData("baggage", "userId=7, x-mse-tag=gray;p=1")]
    public async Task UntrustedClient_LaneHeaderOrBaggage_ReachesBase_AndIsCounted(string header, string value)
    {
        await using var gateway = await Gateway.StartAsync(Instances);
        using var rejected = Rejected(gateway);

        var answer = await gateway.GetAsync((header, value));

        Assert.Equal("A", answer.Name);
        Assert.Equal(string.Empty, answer.Lane);
        Assert.DoesNotContain("x-mse-tag", answer.Baggage, StringComparison.Ordinal);   // gone from the header and from Activity baggage
        Assert.Equal("untrusted", Assert.Single(rejected.GetMeasurementSnapshot()).Tags["reason"]);
    }

    [Fact]
    public async Task OtherBaggageMembers_AreKept()
    {
        await using var gateway = await Gateway.StartAsync(Instances);

        var answer = await gateway.GetAsync(("baggage", "userId=7,x-mse-tag=gray"));

        Assert.Matches("userId ?= ?7", answer.Baggage);
    }

    [Fact]
    public async Task MalformedHeaderPlusBaggage_DoesNotComeBackAtTheNextHop()
    {
        // The issue's case: a malformed header made the request base at A while the baggage lane came back later.
        await using var gateway = await Gateway.StartAsync(Instances);

        var answer = await gateway.GetAsync(("x-mse-tag", "gr ay"), ("baggage", "x-mse-tag=gray"));

        Assert.Equal(("A", string.Empty), (answer.Name, answer.Lane));
        Assert.DoesNotContain("x-mse-tag", answer.Baggage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x-mse-tag", "gray")]
    [InlineData("baggage", "x-mse-tag=gray")]
    public async Task TrustedProxy_LaneIsKept(string header, string value)
    {
        await using var gateway = await Gateway.StartAsync(Instances, new() { ["Lanes:Entry:TrustedProxies:0"] = "127.0.0.0/8" });

        Assert.Equal("Agray", (await gateway.GetAsync((header, value))).Name);
    }

    [Fact]
    public async Task PeerOutsideTheTrustedCidrs_IsNotTrusted()
    {
        await using var gateway = await Gateway.StartAsync(Instances, new() { ["Lanes:Entry:TrustedProxies:0"] = "10.0.0.0/8", ["Lanes:Entry:TrustedProxies:1"] = "::1" });

        Assert.Equal("A", (await gateway.GetAsync(("x-mse-tag", "gray"))).Name);
    }

    [Fact]
    public async Task TrustedProxy_OnlyAllowedLanes()
    {
        await using var gateway = await Gateway.StartAsync(Instances, new() { ["Lanes:Entry:TrustedProxies:0"] = "127.0.0.1", ["Lanes:Entry:AllowedLanes:0"] = "gray" });
        using var rejected = Rejected(gateway);

        Assert.Equal("Agray", (await gateway.GetAsync(("x-mse-tag", "gray"))).Name);
        Assert.Equal("A", (await gateway.GetAsync(("x-mse-tag", "blue"))).Name);
        Assert.Equal("lane_not_allowed", Assert.Single(rejected.GetMeasurementSnapshot()).Tags["reason"]);
    }

    [Fact]
    public async Task ValidToken_ReachesItsLane_EvenOverASpoofedHeader_AndIsNotForwarded()
    {
        await using var gateway = await Gateway.StartAsync(Instances, KeySettings());
        var token = LaneToken.Issue(Lane.Parse("gray"), DateTimeOffset.UtcNow.AddMinutes(5), "tester", "k2", Key);

        var answer = await gateway.GetAsync(("lanes-token", token), ("x-mse-tag", "blue"));

        Assert.Equal(("Agray", "gray"), (answer.Name, answer.Lane));
        var rotated = LaneToken.Issue(Lane.Parse("blue"), DateTimeOffset.UtcNow.AddMinutes(5), null, "k1", OldKey);
        Assert.Equal("Ablue", (await gateway.GetAsync(("lanes-token", rotated))).Name);   // the older key still signs
    }

    [Fact]
    public async Task ExpiredForgedMalformedOrUnknownTokens_ReachBase_AreCounted_NeverA500()
    {
        await using var gateway = await Gateway.StartAsync(Instances, KeySettings());
        using var rejected = Rejected(gateway);
        var expired = LaneToken.Issue(Lane.Parse("gray"), DateTimeOffset.UtcNow.AddMinutes(-1), null, "k2", Key);
        var forged = LaneToken.Issue(Lane.Parse("gray"), DateTimeOffset.UtcNow.AddMinutes(5), null, "k2", RandomNumberGenerator.GetBytes(32));
        var unknown = LaneToken.Issue(Lane.Parse("gray"), DateTimeOffset.UtcNow.AddMinutes(5), null, "k9", Key);
        var valid = LaneToken.Issue(Lane.Parse("gray"), DateTimeOffset.UtcNow.AddMinutes(5), null, "k2", Key);
        var tampered = valid.Replace(valid.Split('.')[1], Convert.ToBase64String("blue\n9999999999\n"u8).TrimEnd('='), StringComparison.Ordinal);

        foreach (var token in new[] { expired, forged, unknown, tampered, "not-a-token", "a.b.c", new string('x', 5000) })
        {
            Assert.Equal("A", (await gateway.GetAsync(("lanes-token", token))).Name);
        }

        var reasons = rejected.GetMeasurementSnapshot().Select(m => (string)m.Tags["reason"]!).ToList();
        Assert.Equal(["token_expired", "token_forged", "token_unknown_key", "token_forged", "token_malformed", "token_malformed", "token_malformed"], reasons);
    }

    [Fact]
    public async Task Token_ForALaneNotAllowed_IsBase()
    {
        await using var gateway = await Gateway.StartAsync(Instances, new(KeySettings()) { ["Lanes:Entry:AllowedLanes:0"] = "gray" });
        var token = LaneToken.Issue(Lane.Parse("blue"), DateTimeOffset.UtcNow.AddMinutes(5), null, "k2", Key);

        Assert.Equal("A", (await gateway.GetAsync(("lanes-token", token))).Name);
    }

    [Fact]
    public async Task HeaderOver8KiB_IsRefusedBeforeRulesRun()
    {
        await using var gateway = await Gateway.StartAsync(Instances);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.TryAddWithoutValidation("x-big", new string('a', 8193));

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }

    private static Dictionary<string, string?> KeySettings() => new()
    {
        ["Lanes:Entry:Tokens:Keys:k1"] = Convert.ToBase64String(OldKey),
        ["Lanes:Entry:Tokens:Keys:k2"] = Convert.ToBase64String(Key),
    };

    private static MetricCollector<long> Rejected(Gateway gateway) =>
        new(gateway.App.Services.GetRequiredService<IMeterFactory>(), LanesDiagnostics.Name, "lanes.entry.rejected");
}
