using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Lanes.AspNetCore.Tests;

/// <summary>The start-up check of <c>Lanes</c> keys knows the entry rules' section.</summary>
public sealed class UnknownSettingsTests
{
    [Fact]
    public async Task MisspelledEntryRuleKey_IsWarnedAbout_EvenWhenItMakesStartFail()
    {
        var builder = LoopbackApp.Builder(new Dictionary<string, string?>
        {
            ["Lanes:Entry:Rules:0:Lane"] = "gray",
            ["Lanes:Entry:Rules:0:Percnt"] = "10",
            ["Lanes:Entry:Rules:0:Matches:0:Headers:0:Name"] = "x-user",
            ["Lanes:Entry:Rules:0:Matches:0:Headers:0:Value"] = "beta",
            ["Lanes:Entry:Rules:0:HashKey:Header"] = "x-user",
        });
        builder.Logging.AddFakeLogging();
        builder.Services.AddTrafficLanes();
        await using var app = builder.Build();
        app.UseTrafficLanes();

        // The typo leaves a hash key without a Percent, which fails start; the warning names the cause first.
        await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync());

        var warning = Assert.Single(app.Services.GetFakeLogCollector().GetSnapshot(), r => r.Id.Name == "UnknownSetting");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("'Lanes:Entry:Rules:0:Percnt' is not a Lanes setting", warning.Message, StringComparison.Ordinal);
    }
}
