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
        Assert.Equal(TimeSpan.FromSeconds(30), options.Value.RouteCheckPeriod);
        Assert.Equal("x-mse-tag", options.Value.LaneHeader);
    }

    [Fact]
    public void TheBuiltInTrafficProviders_AreRegistered_OnceEach()
    {
        var services = new ServiceCollection();
        var configuration = new ConfigurationBuilder().Build();
        services.AddSingleton<k8s.IKubernetes>(new k8s.Kubernetes(new k8s.KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }));
        services.AddLanesRolloutController(configuration);
        services.AddLanesRolloutController(configuration);
        using var provider = services.BuildServiceProvider();

        var names = provider.GetServices<Lanes.RolloutController.Traffic.ITrafficRoutingProvider>().Select(static p => p.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["aliyun-alb", "gateway-api", "higress", "lanes", "mse", "nginx"], names);
    }

    [Theory]
    [InlineData("Lanes:RolloutController:Workers", "0", "Workers")]
    [InlineData("Lanes:RolloutController:CanaryReadyTimeout", "-00:00:01", "CanaryReadyTimeout")]
    [InlineData("Lanes:RolloutController:LeaderElection:RenewDeadline", "00:01:00", "RetryPeriod < RenewDeadline < LeaseDuration")]
    [InlineData("Lanes:RolloutController:RouteCheckPeriod", "00:00:00.500", "RouteCheckPeriod must be at least 1 s")]
    [InlineData("Lanes:RolloutController:LaneHeader", "x mse tag", "LaneHeader 'x mse tag' is not a valid header name")]
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
