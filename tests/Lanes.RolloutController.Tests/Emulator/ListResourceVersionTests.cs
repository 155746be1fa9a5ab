using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Lanes.Kubernetes.Emulator;
using Microsoft.Extensions.Time.Testing;
using static Lanes.RolloutController.Tests.Emulator.EmulatorHttp;

namespace Lanes.RolloutController.Tests.Emulator;

/// <summary>
/// LIST with <c>resourceVersion</c> and <c>resourceVersionMatch</c> as the API server serves it:
/// https://kubernetes.io/docs/reference/using-api/api-concepts/#the-resourceversion-parameter (semantics for get and
/// list) and https://kubernetes.io/docs/reference/using-api/api-concepts/#410-gone-responses.
/// </summary>
public sealed class ListResourceVersionTests
{
    private const string ConfigMaps = "api/v1/namespaces/default/configmaps";

    // "Exact: return data at the exact resource version provided. If the provided resourceVersion is unavailable, the
    // server responds with HTTP 410 Gone."
    [Fact]
    public async Task Exact_ServesTheStateAtThatVersion_AndIsGoneOnceTheHistoryNoLongerReachesIt()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var emulator = await KubernetesEmulator.StartAsync(new EmulatorOptions { TimeProvider = time, HistoryRetention = TimeSpan.FromMinutes(5) });
        using var http = Client(emulator);
        await SendAsync(http, HttpMethod.Post, ConfigMaps, """{"metadata":{"name":"a"},"data":{"v":"1"}}""", HttpStatusCode.Created);
        await SendAsync(http, HttpMethod.Post, ConfigMaps, """{"metadata":{"name":"b"}}""", HttpStatusCode.Created);
        var then = emulator.Store.CurrentResourceVersion.ToString(CultureInfo.InvariantCulture);
        await SendAsync(http, HttpMethod.Patch, ConfigMaps + "/a", """{"data":{"v":"2"}}""", HttpStatusCode.OK, "application/merge-patch+json");
        await SendAsync(http, HttpMethod.Delete, ConfigMaps + "/b", null, HttpStatusCode.OK);
        await SendAsync(http, HttpMethod.Post, ConfigMaps, """{"metadata":{"name":"c"}}""", HttpStatusCode.Created);

        var exact = await SendAsync(http, HttpMethod.Get, $"{ConfigMaps}?resourceVersion={then}&resourceVersionMatch=Exact", null, HttpStatusCode.OK);
        Assert.Equal(then, exact["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal(["a=1", "b"], exact["items"]!.AsArray().Select(static i => i!["metadata"]!["name"] + (i["data"]?["v"] is { } v ? "=" + v : "")));

        // Not older than an old version: the newest state satisfies it.
        var notOlder = await SendAsync(http, HttpMethod.Get, $"{ConfigMaps}?resourceVersion={then}&resourceVersionMatch=NotOlderThan", null, HttpStatusCode.OK);
        Assert.Equal(["a", "c"], notOlder["items"]!.AsArray().Select(static i => i!["metadata"]!["name"]!.GetValue<string>()));

        time.Advance(TimeSpan.FromMinutes(6));
        await SendAsync(http, HttpMethod.Post, ConfigMaps, """{"metadata":{"name":"d"}}""", HttpStatusCode.Created);
        var gone = await SendAsync(http, HttpMethod.Get, $"{ConfigMaps}?resourceVersion={then}&resourceVersionMatch=Exact", null, HttpStatusCode.Gone);
        Assert.Equal("Status", gone["kind"]!.GetValue<string>());
        Assert.Equal("Expired", gone["reason"]!.GetValue<string>());
        Assert.Equal(410, gone["code"]!.GetValue<int>());
        var current = await SendAsync(http, HttpMethod.Get, $"{ConfigMaps}?resourceVersion={then}&resourceVersionMatch=NotOlderThan", null, HttpStatusCode.OK);
        Assert.Equal(["a", "c", "d"], current["items"]!.AsArray().Select(static i => i!["metadata"]!["name"]!.GetValue<string>()));
    }

    // apimachinery's ListOptions validation: a match needs a version; Exact is forbidden for "0"; only the two values exist.
    // A version the server has not reached is refused after the watch cache's wait (504 Timeout, "Too large resource version").
    [Theory]
    [InlineData("resourceVersionMatch=Exact", HttpStatusCode.UnprocessableEntity, "resourceVersionMatch is forbidden unless resourceVersion is provided")]
    [InlineData("resourceVersion=0&resourceVersionMatch=Exact", HttpStatusCode.UnprocessableEntity, "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"")]
    [InlineData("resourceVersion=1&resourceVersionMatch=Newest", HttpStatusCode.UnprocessableEntity, "Unsupported value: \"Newest\"")]
    [InlineData("resourceVersion=abc", HttpStatusCode.BadRequest, "invalid resource version")]
    [InlineData("resourceVersion=999999&resourceVersionMatch=NotOlderThan", HttpStatusCode.GatewayTimeout, "Too large resource version: 999999")]
    public async Task BadListOptions_AreRefused(string query, HttpStatusCode expected, string message)
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = Client(emulator);
        var status = await SendAsync(http, HttpMethod.Get, $"{ConfigMaps}?{query}", null, expected);
        Assert.Contains(message, status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
