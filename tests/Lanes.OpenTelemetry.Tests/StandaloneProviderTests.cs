using System.Diagnostics;
using System.Diagnostics.Metrics;
using Lanes.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Lanes.OpenTelemetry.Tests;

/// <summary>The same calls on providers built without a host, as console tools and tests build them.</summary>
public sealed class StandaloneProviderTests
{
    [Fact]
    public void TracerProvider_ListensToLanes_AndTagsSpansInALane()
    {
        var spans = new LockedList<Activity>();
        using var source = new ActivitySource("Lanes.Tests.Standalone");
        using (Sdk.CreateTracerProviderBuilder()
            .AddSource(source.Name)
            .AddTrafficLanesInstrumentation()
            .AddInMemoryExporter(spans)
            .Build())
        {
            Assert.True(LanesDiagnostics.ActivitySource.HasListeners());
            using (LaneContext.Enter(Lane.Parse("gray")))
            {
                source.StartActivity("in-lane")?.Dispose();
            }

            source.StartActivity("base")?.Dispose();
        }

        Assert.Equal("gray", Assert.Single(spans.Snapshot(), s => s.DisplayName == "in-lane").GetTagItem(LanesDiagnostics.LaneTag));
        Assert.Null(Assert.Single(spans.Snapshot(), s => s.DisplayName == "base").GetTagItem(LanesDiagnostics.LaneTag));
    }

    [Fact]
    public void MeterProvider_ListensToTheLanesMeter()
    {
        var metrics = new LockedList<MetricSnapshot>();
        using var provider = Sdk.CreateMeterProviderBuilder().AddTrafficLanesInstrumentation().AddInMemoryExporter(metrics).Build();
        using var meter = new Meter(LanesDiagnostics.Name);
        meter.CreateCounter<long>("lanes.tests.standalone").Add(3);

        provider.ForceFlush();

        var point = Assert.Single(Assert.Single(metrics.Snapshot(), m => m.Name == "lanes.tests.standalone").MetricPoints);
        Assert.Equal(3, point.GetSumLong());
    }
}
