using System.Diagnostics.Metrics;
using Lanes.AspNetCore.Tests.Entry.Files;
using Lanes.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Lanes.Yarp.Tests.Entry;

/// <summary>The rules directory rewritten while the gateway serves: no failed request, and no request sees a mix of two sets.</summary>
public sealed class ReloadUnderLoadTests : IDisposable
{
    private const int Clients = 8;
    private const int Rewrites = 50;
    private readonly ConfigMapVolume _volume = new();

    public void Dispose() => _volume.Dispose();

    // Two files that swap their probe values between the sets. Probe 1 is gray under set A and blue under set B; a
    // request that saw a.json of one set and b.json of the other would match neither file and be base.
    private static Dictionary<string, string> Set(bool a) => new()
    {
        ["a.json"] = Strategy(a ? "1" : "2", "gray"),
        ["b.yaml"] = $"matches:\n- headers:\n  - name: x-probe\n    value: \"{(a ? "2" : "1")}\"\nrequestHeaderModifier:\n  set:\n  - name: x-mse-tag\n    value: blue\n",
    };

    [Fact]
    public async Task EightClients_FiftyRewrites_NoFailure_NoMix()
    {
        _volume.Update(Set(a: true));
        await using var gateway = await Gateway.StartAsync([("A", null), ("Agray", "gray"), ("Ablue", "blue")], new()
        {
            ["Lanes:Entry:RulesDirectory"] = _volume.Path,
            ["Lanes:Entry:RulesPollInterval"] = "00:00:00.050",
        });
        using var reloads = new MetricCollector<long>(gateway.App.Services.GetRequiredService<IMeterFactory>(), LanesDiagnostics.Name, "lanes.entry.rules.reloads");

        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));   // bound, whatever happens
        var failures = 0;
        var mixes = 0;
        var answers = new int[2];
        var writer = Task.Run(async () =>
        {
            for (var i = 1; i <= Rewrites; i++)
            {
                _volume.Update(Set(a: i % 2 == 0));
                await Task.Delay(30, stop.Token);
            }
        });

        var clients = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            var probe = c % 2 == 0 ? "1" : "2";
            while (!writer.IsCompleted && !stop.IsCancellationRequested)
            {
                try
                {
                    var name = (await gateway.GetAsync(("x-probe", probe))).Name;
                    if (name is "Agray" or "Ablue")
                    {
                        Interlocked.Increment(ref answers[name == "Agray" ? 0 : 1]);
                    }
                    else if (name == "A")
                    {
                        Interlocked.Increment(ref mixes);
                    }
                    else
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })).ToArray();

        await writer;
        await Task.WhenAll(clients);

        Assert.Equal(0, failures);
        Assert.Equal(0, mixes);
        Assert.True(answers[0] > 0 && answers[1] > 0, $"both sets served: gray {answers[0]}, blue {answers[1]}");

        // The last set written is in force once the gateway caught up (set A when the count is even: probe 1 is gray).
        var expected = Rewrites % 2 == 0 ? "Agray" : "Ablue";
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while ((await gateway.GetAsync(("x-probe", "1"))).Name != expected)
        {
            await Task.Delay(25, deadline.Token);
        }

        Assert.Contains(reloads.GetMeasurementSnapshot(), m => (string?)m.Tags["result"] == "accepted");
        Assert.DoesNotContain(reloads.GetMeasurementSnapshot(), m => (string?)m.Tags["result"] == "rejected");
    }

    private static string Strategy(string probe, string lane) =>
        $$$"""{"matches":[{"headers":[{"name":"x-probe","value":"{{{probe}}}"}]}],"requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"{{{lane}}}"}]}}""";
}
