using System.Diagnostics.Metrics;
using Lanes.AspNetCore.Entry;
using Lanes.AspNetCore.Tests.Entry.Files;
using Lanes.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Lanes.AspNetCore.Tests.Entry;

public sealed class EntryRulesTests : IDisposable
{
    private static readonly Dictionary<string, string> Seed = new() { ["gray.json"] = Strategy("User-Agent", "xiaoming", "gray") };
    private readonly ConfigMapVolume _volume = new();
    private readonly List<ServiceProvider> _providers = [];

    [Fact]
    public void ConfigMapVolume_IsReadThroughDataLink_AndUpdatesApplyWhole()
    {
        _volume.Update(Seed);
        var rules = Create(_volume.Path);
        Assert.Equal(["gray.json"], rules.Status.Sources);
        Assert.Equal("gray", Lane(rules, ("User-Agent", "xiaoming")));

        _volume.Update(new Dictionary<string, string>
        {
            ["gray.json"] = Strategy("User-Agent", "xiaoming", "gray"),
            ["blue.yaml"] = "matches:\n- headers:\n  - name: User-Agent\n    value: zhangsan\nrequestHeaderModifier:\n  set:\n  - name: x-mse-tag\n    value: blue\n",
        });
        Assert.True(rules.ReloadDirectory());

        Assert.Equal(["blue.yaml", "gray.json"], rules.Status.Sources);   // name order
        Assert.Equal("blue", Lane(rules, ("User-Agent", "zhangsan")));
        Assert.Equal(2, rules.Status.Version);

        _volume.Update(Seed);
        Assert.True(rules.ReloadDirectory());
        Assert.Equal("base", Lane(rules, ("User-Agent", "zhangsan")));   // removing the file ends its rule
        Assert.False(rules.ReloadDirectory());                            // nothing changed: same version
        Assert.Equal(3, rules.Status.Version);
    }

    [Fact]
    public void FilesApplyInNameOrder_AfterConfigurationRules()
    {
        File.WriteAllText(Path.Combine(_volume.Path, "b.json"), Strategy("x-team", "qa", "blue"));
        File.WriteAllText(Path.Combine(_volume.Path, "a.json"), Strategy("x-team", "qa", "green"));
        var rules = Create(_volume.Path, new()
        {
            ["Lanes:Entry:Rules:0:Lane"] = "gray",
            ["Lanes:Entry:Rules:0:Matches:0:Headers:0:Name"] = "x-team",
            ["Lanes:Entry:Rules:0:Matches:0:Headers:0:Value"] = "ops",
        });

        Assert.Equal(["configuration", "a.json", "b.json"], rules.Status.Sources);
        Assert.Equal("green", Lane(rules, ("x-team", "qa")));
        Assert.Equal("gray", Lane(rules, ("x-team", "ops")));
    }

    [Fact]
    public void BadFile_IsRejectedWhole_RulesInForceStay_AndIsCounted()
    {
        _volume.Update(Seed);
        var rules = Create(_volume.Path);
        using var reloads = Collector<long>(rules, "lanes.entry.rules.reloads");
        using var version = Collector<long>(rules, "lanes.entry.rules.version");

        _volume.Update(new Dictionary<string, string>
        {
            ["gray.json"] = Strategy("User-Agent", "someone-else", "gray"),
            ["zz.json"] = """{"matches":[{"headers":[{"type":"RegularExpression","name":"x","value":"(("}]}]}""",
        });
        Assert.False(rules.ReloadDirectory());

        Assert.Equal("gray", Lane(rules, ("User-Agent", "xiaoming")));     // the old set, whole: not gray.json's new rule
        Assert.Equal("base", Lane(rules, ("User-Agent", "someone-else")));
        var rejected = Assert.IsType<RejectedReload>(rules.Status.LastRejected);
        Assert.Contains(rejected.Errors, e => e.StartsWith("zz.json: matches[0].headers[0].value", StringComparison.Ordinal));
        Assert.Equal("rejected", Assert.Single(reloads.GetMeasurementSnapshot()).Tags["result"]);
        version.RecordObservableInstruments();
        Assert.Equal(1, version.LastMeasurement!.Value);

        _volume.Update(new Dictionary<string, string> { ["gray.json"] = Strategy("User-Agent", "someone-else", "gray") });
        Assert.True(rules.ReloadDirectory());
        Assert.Equal("gray", Lane(rules, ("User-Agent", "someone-else")));
        version.RecordObservableInstruments();
        Assert.Equal(2, version.LastMeasurement!.Value);
    }

    [Fact]
    public void MissingDirectory_HoldsNoRules_UntilItAppears()
    {
        var path = Path.Combine(_volume.Path, "later");
        var rules = Create(path);
        Assert.True(rules.Current.IsEmpty);

        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "gray.json"), Seed["gray.json"]);

        Assert.True(rules.ReloadDirectory());
        Assert.Equal("gray", Lane(rules, ("User-Agent", "xiaoming")));
    }

    [Fact]
    public async Task ChangeWhileServing_TakesEffectWithoutAnyCall()
    {
        _volume.Update(Seed);
        var rules = Create(_volume.Path, time: TimeProvider.System);

        _volume.Update(new Dictionary<string, string>(Seed) { ["zhangsan.json"] = Strategy("User-Agent", "zhangsan", "gray") });

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (Lane(rules, ("User-Agent", "zhangsan")) != "gray")
        {
            await Task.Delay(25, deadline.Token);
        }

        File.Delete(Path.Combine(_volume.Path, "..data", "zhangsan.json"));
        _volume.Update(Seed);
        while (Lane(rules, ("User-Agent", "zhangsan")) != "base")
        {
            await Task.Delay(25, deadline.Token);
        }
    }

    [Fact]
    public void ConfigurationReload_AppliesValidRules_AndKeepsThemWhenTheNextIsInvalid()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lanes:Entry:Rules:0:Lane"] = "gray",
            ["Lanes:Entry:Rules:0:Matches:0:Headers:0:Name"] = "x-team",
            ["Lanes:Entry:Rules:0:Matches:0:Headers:0:Value"] = "qa",
        }).Build();
        var rules = Create(directory: null, configuration: configuration);
        Assert.Equal("gray", Lane(rules, ("x-team", "qa")));

        configuration["Lanes:Entry:Rules:0:Matches:0:Headers:0:Value"] = "ops";
        configuration.Reload();
        Assert.Equal("gray", Lane(rules, ("x-team", "ops")));
        Assert.Equal(2, rules.Status.Version);

        configuration["Lanes:Entry:Rules:0:Matches:0:Headers:0:Type"] = "Prefix";
        configuration.Reload();
        Assert.Equal("gray", Lane(rules, ("x-team", "ops")));
        Assert.Contains(rules.Status.LastRejected!.Errors, e => e.Contains("Lanes:Entry:Rules:0:Matches:0:Headers:0:Type", StringComparison.Ordinal));
        Assert.Equal(2, rules.Status.Version);
    }

    public void Dispose()
    {
        foreach (var provider in _providers)
        {
            provider.Dispose();
        }

        _volume.Dispose();
    }

    internal static string Strategy(string header, string value, string lane) =>
        $$$"""{"matches":[{"headers":[{"type":"Exact","name":"{{{header}}}","value":"{{{value}}}"}]}],"requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"{{{lane}}}"}]}}""";

    private EntryRules Create(string? directory, Dictionary<string, string?>? settings = null, IConfigurationRoot? configuration = null, TimeProvider? time = null)
    {
        settings ??= [];
        if (directory is not null)
        {
            settings["Lanes:Entry:RulesDirectory"] = directory;
        }

        configuration ??= new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(time ?? new FakeTimeProvider())
            .AddLogging();
        services.AddTrafficLanes();
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider.GetRequiredService<EntryRules>();
    }

    private MetricCollector<T> Collector<T>(EntryRules rules, string instrument)
        where T : struct
    {
        var provider = _providers.Single(p => ReferenceEquals(p.GetRequiredService<EntryRules>(), rules));
        return new MetricCollector<T>(provider.GetRequiredService<IMeterFactory>(), LanesDiagnostics.Name, instrument);
    }

    private static string Lane(EntryRules rules, params (string Name, string Value)[] headers)
    {
        var request = RulesFileReaderTests.Request(headers: headers);
        return rules.Current.Apply(request)?.Lane.ToString() ?? "base";
    }
}
