using Lanes.AspNetCore.Tests.Entry.Files;

namespace Lanes.Yarp.Tests.Diagnostics;

/// <summary>The gateway's /lanes page as an operator sees it, in headless Chromium.</summary>
public sealed class DiagnosticsPageTests : IDisposable
{
    private readonly ConfigMapVolume _volume = new();

    public void Dispose() => _volume.Dispose();

    [Fact]
    public async Task Page_ShowsRulesInForce_LanesWithInstances_Decisions_AndTheLastRejectedReload()
    {
        _volume.Update(new Dictionary<string, string>
        {
            ["zhangsan.json"] = """{"matches":[{"headers":[{"type":"Exact","name":"User-Agent","value":"zhangsan"}]}],"requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]}}""",
        });
        await using var gateway = await Gateway.StartAsync([("A1", null), ("A2", null), ("Agray", "gray")], new()
        {
            ["Lanes:Entry:RulesDirectory"] = _volume.Path,
            ["Lanes:Entry:Rules:0:Name"] = "xiaoming-to-gray",
            ["Lanes:Entry:Rules:0:Matches:0:Headers:0:Name"] = "User-Agent",
            ["Lanes:Entry:Rules:0:Matches:0:Headers:0:Value"] = "xiaoming",
            ["Lanes:Entry:Rules:0:RequestHeaderModifier:Set:0:Name"] = "x-mse-tag",
            ["Lanes:Entry:Rules:0:RequestHeaderModifier:Set:0:Value"] = "gray",
        });
        Assert.Equal("Agray", (await gateway.GetAsync(("User-Agent", "zhangsan"))).Name);
        Assert.NotEqual("Agray", (await gateway.GetAsync()).Name);

        // A broken update: rejected, the rules above stay, and the page says why.
        _volume.Update(new Dictionary<string, string> { ["zhangsan.json"] = """{"matches":[{"headers":[{"type":"Prefix","name":"User-Agent","value":"zhang"}]}]}""" });
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!(await gateway.Client.GetStringAsync("/lanes.json", deadline.Token)).Contains("lastRejected\": {", StringComparison.Ordinal))
        {
            await Task.Delay(50, deadline.Token);
        }

        var url = new Uri(gateway.Client.BaseAddress!, "/lanes").ToString();
        var screenshot = Path.Combine(Chromium.RepositoryRoot, "artifacts", "screenshots", "lanes-diagnostics.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        File.Delete(screenshot);

        var dom = await Chromium.RunAsync("--dump-dom", url);
        await Chromium.RunAsync("--window-size=1280,1000", "--hide-scrollbars", $"--screenshot={screenshot}", url);

        Assert.Contains("<h1>Lanes at this gateway</h1>", dom, StringComparison.Ordinal);
        Assert.Contains("Version 1", dom, StringComparison.Ordinal);
        Assert.Contains("<td>xiaoming-to-gray</td><td>configuration</td><td>gray</td><td>header User-Agent = xiaoming</td>", dom, StringComparison.Ordinal);
        Assert.Contains("<td>zhangsan.json</td><td>zhangsan.json</td><td>gray</td><td>header User-Agent = zhangsan</td>", dom, StringComparison.Ordinal);
        Assert.Contains("Last rejected reload", dom, StringComparison.Ordinal);
        Assert.Contains("zhangsan.json: matches[0].headers[0].type: 'Prefix' is not a match type", dom, StringComparison.Ordinal);
        Assert.Matches("<tr data-service=\"orders\" data-lane=\"base\"><td>orders \\(orders\\)</td><td class=\"lane\">base</td><td>2</td><td class=\"ok\">2</td>", dom);
        Assert.Matches("<tr data-service=\"orders\" data-lane=\"gray\"><td>orders \\(orders\\)</td><td class=\"lane\">gray</td><td>1</td><td class=\"ok\">1</td>", dom);
        Assert.Contains("<td>orders</td><td>gray</td><td>lane_matched</td><td>1</td>", dom, StringComparison.Ordinal);
        Assert.Contains("<td>orders</td><td>base</td><td>base</td><td>1</td>", dom, StringComparison.Ordinal);
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot was saved and is not blank");
    }
}
