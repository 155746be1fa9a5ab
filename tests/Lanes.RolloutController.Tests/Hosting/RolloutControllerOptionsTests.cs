using Lanes.RolloutController.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lanes.RolloutController.Tests.Hosting;

public sealed class RolloutControllerOptionsTests
{
    [Fact]
    public void Options_AreBoundFromConfiguration()
    {
        var options = Build(new() { ["Lanes:RolloutController:Workers"] = "4", ["Lanes:RolloutController:CanaryReadyTimeout"] = "00:02:00" });
        Assert.Equal(4, options.Value.Workers);
        Assert.Equal(TimeSpan.FromMinutes(2), options.Value.CanaryReadyTimeout);
        Assert.True(options.Value.LeaderElection.Enabled);
    }

    [Theory]
    [InlineData("Lanes:RolloutController:Workers", "0", "Workers")]
    [InlineData("Lanes:RolloutController:CanaryReadyTimeout", "-00:00:01", "CanaryReadyTimeout")]
    [InlineData("Lanes:RolloutController:LeaderElection:RenewDeadline", "00:01:00", "RetryPeriod < RenewDeadline < LeaseDuration")]
    public void InvalidOptions_FailWithAClearMessage(string key, string value, string mentioned)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Build(new() { [key] = value }).Value);
        Assert.Contains(mentioned, error.Message, StringComparison.Ordinal);
    }

    private static IOptions<RolloutControllerOptions> Build(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLanesRolloutController(configuration);
        return services.BuildServiceProvider().GetRequiredService<IOptions<RolloutControllerOptions>>();
    }
}
