using Lanes.Diagnostics;
using Lanes.Propagation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Lanes.Tests.Propagation;

public class LaneMessageCarrierTests
{
    [Fact]
    public void Inject_WritesTheAmbientLane_AndNothingForBase()
    {
        var (carrier, _) = Create();
        var message = new Dictionary<string, string>();

        carrier.Inject(message);
        Assert.Empty(message);

        using (LaneContext.Enter(Lane.Parse("gray")))
        {
            carrier.Inject(message);
        }

        Assert.Equal("gray", message["x-mse-tag"]);
    }

    [Fact]
    public void Extract_ReadsHeaderThenBaggage_AndEnterMakesItAmbient()
    {
        var (carrier, _) = Create();

        Assert.Equal("gray", carrier.Extract(new Dictionary<string, string> { ["x-mse-tag"] = "gray" }).Name);
        Assert.Equal("blue", carrier.Extract(new Dictionary<string, string> { ["baggage"] = "a=1,x-mse-tag=blue" }).Name);
        Assert.True(carrier.Extract(new Dictionary<string, string>()).IsBase);

        using (carrier.Enter(new Dictionary<string, string> { ["x-mse-tag"] = "gray" }))
        {
            Assert.Equal("gray", LaneContext.Current.Name);
        }

        Assert.True(LaneContext.Current.IsBase);
    }

    [Fact]
    public void Extract_MalformedLane_IsBaseAndCounted()
    {
        var (carrier, services) = Create();
        using var collector = new MetricCollector<long>(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), LanesDiagnostics.Name, "lanes.carrier.rejected");

        var lane = carrier.Extract(new Dictionary<string, string> { ["x-mse-tag"] = "GRAY\r\n" });

        Assert.True(lane.IsBase);
        var measurement = Assert.Single(collector.GetMeasurementSnapshot());
        Assert.Equal(("invalid", "message"), (measurement.Tags["reason"], measurement.Tags["carrier"]));
    }

    [Fact]
    public void GenericCarrier_WorksWithByteHeaders()
    {
        var (carrier, _) = Create();
        var kafkaLike = new List<KeyValuePair<string, byte[]>>();

        carrier.Inject(Lane.Parse("gray"), kafkaLike, static (h, k, v) => h.Add(new(k, System.Text.Encoding.UTF8.GetBytes(v))));
        var lane = carrier.Extract(kafkaLike, static (h, k) => h.Where(p => p.Key == k).Select(p => System.Text.Encoding.UTF8.GetString(p.Value)).LastOrDefault());

        Assert.Equal("gray", lane.Name);
    }

    private static (LaneMessageCarrier Carrier, IServiceProvider Services) Create()
    {
        var builder = TestHosts.Builder(new Dictionary<string, string?>());
        builder.Services.AddTrafficLanesCore();
        var services = builder.Build().Services;
        return (services.GetRequiredService<LaneMessageCarrier>(), services);
    }
}
