using System.Diagnostics.Metrics;
using Lanes.Diagnostics;
using Lanes.Extensibility;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;

namespace Lanes.Core.Tests.Diagnostics;

public class LaneMetricTagsTests
{
    [Fact]
    public void BaseIsBase_AndALaneIsItsName()
    {
        var tags = new LaneMetricTags(16, _ => { });

        Assert.Equal(new KeyValuePair<string, object?>("lanes.lane", "base"), tags.For(Lane.Base).Tag);
        Assert.Equal(new KeyValuePair<string, object?>("lanes.lane", "gray"), tags.For(Lane.Parse("gray")).Tag);
    }

    [Fact]
    public void ALaneSeenAgain_GetsTheTagBuiltTheFirstTime()
    {
        var tags = new LaneMetricTags(16, _ => { });
        var first = tags.For(Lane.Parse("gray"));

        tags.For(Lane.Parse("blue"));

        // A different string instance of the same name: the value built once, not a new one.
        Assert.Same(first, tags.For(Lane.Parse(new string("gray".AsSpan()))));
        Assert.Same(first, tags.For(Lane.Parse("gray")));
        Assert.Equal(2, tags.Count);
    }

    [Fact]
    public void LanesPastTheCap_AreOther_AndReported_WhileEarlierLanesKeepTheirName()
    {
        var overflowed = new List<string>();
        var tags = new LaneMetricTags(2, overflowed.Add);

        Assert.Equal("gray", tags.For(Lane.Parse("gray")).Value);
        Assert.Equal("blue", tags.For(Lane.Parse("blue")).Value);
        Assert.Equal("base", tags.For(Lane.Base).Value);   // base never takes a slot
        Assert.Equal(LaneMetricTags.OverflowValue, tags.For(Lane.Parse("green")).Value);
        Assert.Equal(LaneMetricTags.OverflowValue, tags.For(Lane.Parse("red")).Value);
        Assert.Equal("gray", tags.For(Lane.Parse("gray")).Value);
        Assert.Equal(["green", "red"], overflowed);
        Assert.Equal(2, tags.Count);
        Assert.NotEqual(LaneError.None, Lane.Validate(LaneMetricTags.OverflowValue));   // no real lane can be mistaken for it
    }

    [Fact]
    public void ConcurrentFirstSights_NeverGiveMoreLanesThanTheCap()
    {
        var tags = new LaneMetricTags(8, _ => { });
        var lanes = Enumerable.Range(0, 64).Select(i => Lane.Parse($"lane-{i}")).ToArray();

        Parallel.For(0, 4096, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => tags.For(lanes[i % lanes.Length]));

        Assert.Equal(8, tags.Count);
        Assert.Equal(8, lanes.Select(l => tags.For(l).Value).Where(v => v != LaneMetricTags.OverflowValue).Distinct().Count());
    }

    [Fact]
    public void LanesMetrics_CountsOverflow_AndUsesTheCappedValueOnItsOwnInstruments()
    {
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Lanes:Metrics:MaxLanes"] = "1" }).Build())
            .AddLogging()
            .AddTrafficLanesCore()
            .BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var overflow = new MetricCollector<long>(factory, LanesDiagnostics.Name, "lanes.metrics.lane_overflow");
        using var decisions = new MetricCollector<long>(factory, LanesDiagnostics.Name, "lanes.routing.decisions");
        var metrics = services.GetRequiredService<LanesMetrics>();

        metrics.RouteDecision("orders", Lane.Parse("gray"), Routing.RouteReason.LaneMatched);
        metrics.RouteDecision("orders", Lane.Parse("blue"), Routing.RouteReason.FallbackNoLaneInstance);
        var tag = metrics.LaneTag(Lane.Parse("green"));

        Assert.Equal(["gray", "(other)"], decisions.GetMeasurementSnapshot().Select(m => m.Tags["lanes.lane"]).ToArray());
        Assert.Equal("(other)", tag.Value);
        Assert.Equal(2, overflow.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    public void MaxLanesOutOfRange_FailsStart_NamingTheKey(string value)
    {
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Lanes:Metrics:MaxLanes"] = value }).Build())
            .AddLogging()
            .AddTrafficLanesCore()
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<LanesOptions>>().Value);
        Assert.Contains("Lanes:Metrics:MaxLanes", error.Message);
    }
}
