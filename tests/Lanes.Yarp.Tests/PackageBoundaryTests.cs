using System.Reflection;
using System.Runtime.CompilerServices;
using Lanes.AspNetCore.Diagnostics;
using Lanes.Extensibility;
using Microsoft.Extensions.DependencyInjection;

namespace Lanes.Yarp.Tests;

/// <summary>
/// Lanes.Yarp builds on Core and AspNetCore through their public contracts only: packages of different versions must
/// meet, so no package lets a sibling see its internals.
/// </summary>
public class PackageBoundaryTests
{
    public static TheoryData<string> Packages => new() { "Lanes.Core", "Lanes.AspNetCore", "Lanes.Yarp" };

    [Theory]
    [MemberData(nameof(Packages))]
    public void Package_GrantsInternalsToTestsAndBenchmarksOnly(string package)
    {
        var assembly = Assembly.Load(package);
        var friends = assembly.GetCustomAttributes<InternalsVisibleToAttribute>().Select(static a => a.AssemblyName).ToList();

        Assert.NotEmpty(friends);
        Assert.All(friends, friend => Assert.True(
            friend.EndsWith(".Tests", StringComparison.Ordinal) || friend == "Lanes.Benchmarks",
            $"{package} grants InternalsVisibleTo to '{friend}', which is neither a test project nor the benchmarks."));
    }

    [Fact]
    public void Handlers_AreInternal_AndTheSharedContractsArePublic()
    {
        var core = typeof(Lane).Assembly;
        Assert.False(core.GetType("Lanes.Routing.LaneRoutingHandler", throwOnError: true)!.IsPublic);
        Assert.False(core.GetType("Lanes.Propagation.LanePropagationHandler", throwOnError: true)!.IsPublic);
        Assert.True(typeof(LaneRoutingPolicy).IsPublic);
        Assert.True(typeof(LanesMetrics).IsPublic);
        Assert.True(typeof(LaneEntryDiagnostics).IsPublic);
    }

    [Fact]
    public void AGateway_ResolvesTheContractsItUses()
    {
        var services = new ServiceCollection();
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        services.AddLogging();
        services.AddReverseProxy().AddTrafficLanes();
        using var provider = services.BuildServiceProvider();

        Assert.NotNull(provider.GetRequiredService<LaneRoutingPolicy>());
        Assert.NotNull(provider.GetRequiredService<LanesMetrics>());
        var status = provider.GetRequiredService<LaneEntryDiagnostics>().GetStatus();
        Assert.Empty(status.RulesInForce);
        Assert.Equal(1, status.Rules.Version);
    }
}
