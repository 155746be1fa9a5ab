using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Lanes.Tests.Configuration;

/// <summary>Keys under <c>Lanes</c> that nothing reads are warned about at start, each by its full key.</summary>
public class UnknownSettingsReporterTests
{
    [Fact]
    public async Task MisspelledKeys_AreWarnedAbout_AtStart()
    {
        var configuration = TestHosts.Instances("orders", ("http://127.0.0.1:5001", null, 1));
        configuration["Lanes:Routing:PasiveHealth:Enabled"] = "false";
        configuration["Lanes:Routing:Lanes:gray:Fallbak"] = "Strict";
        configuration["Lanes:Services:orders:0:Uri"] = "http://127.0.0.1:5002";
        configuration["Lanes:Services:orders:first:Url"] = "http://127.0.0.1:5003";
        configuration["Lanes:Propagaton:HeaderName"] = "x-lane";

        var warnings = await StartAsync(configuration);

        Assert.Equal(
            [
                "Lanes:Propagaton",
                "Lanes:Routing:Lanes:gray:Fallbak",
                "Lanes:Routing:PasiveHealth",
                "Lanes:Services:orders:0:Uri",
                "Lanes:Services:orders:first",
            ],
            warnings.Select(w => w.StructuredState!.Single(p => p.Key == "Key").Value).Order(StringComparer.Ordinal));
        Assert.Contains(warnings, w => w.Message.Contains("'Lanes:Routing:PasiveHealth' is not a Lanes setting", StringComparison.Ordinal)
            && w.Message.Contains("PassiveHealth", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EveryKnownKey_IsQuiet()
    {
        var configuration = TestHosts.Instances("orders", ("http://127.0.0.1:5001", "gray", 2));
        configuration["Lanes:Services:orders:0:Healthy"] = "true";
        configuration["Lanes:Lane"] = "gray";
        configuration["Lanes:PodLabelsPath"] = "/nonexistent";
        configuration["Lanes:Routing:DefaultFallback"] = "Loose";
        configuration["Lanes:Routing:BaseLane"] = "stable";
        configuration["Lanes:Routing:RouteHeader"] = "true";
        configuration["Lanes:Routing:Lanes:gray:Fallback"] = "Strict";
        configuration["Lanes:Routing:Lanes:gray:Services:0"] = "orders";
        configuration["Lanes:Routing:PassiveHealth:CountServerErrors"] = "true";
        configuration["Lanes:Routing:PassiveHealth:FailureRateWindow"] = "00:01:00";
        configuration["Lanes:Propagation:HeaderName"] = "x-lane";
        configuration["Lanes:Propagation:BaggageKey"] = "x-lane";
        configuration["Lanes:Propagation:BreakDetection:IgnoredHosts:0"] = "db";

        Assert.Empty(await StartAsync(configuration));
    }

    private static async Task<IReadOnlyList<FakeLogRecord>> StartAsync(Dictionary<string, string?> configuration)
    {
        var builder = TestHosts.Builder(configuration);
        builder.Services.AddLogging(b => b.AddFakeLogging());
        builder.Services.AddTrafficLanesCore();
        using var host = builder.Build();
        await host.StartAsync();
        await host.StopAsync();
        return [.. host.Services.GetFakeLogCollector().GetSnapshot().Where(r => r.Id.Name == "UnknownSetting" && r.Level == LogLevel.Warning)];
    }
}
