using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using System.Net;
using Lanes.Discovery;
using Lanes.Routing;

namespace Lanes.Tests.Routing;

public class InstancePickerTests
{
    [Fact]
    public void SingleInstance_AlwaysPicked()
    {
        var picker = new InstancePicker([Target(1, 5)]);

        Assert.All(Enumerable.Range(0, 10), _ => Assert.Equal(1, Port(picker.Pick())));
    }

    [Fact]
    public void EqualWeights_CycleEveryInstance()
    {
        var picker = new InstancePicker([Target(1), Target(2), Target(3)]);

        var picks = Enumerable.Range(0, 9).Select(_ => Port(picker.Pick())).ToArray();

        Assert.Equal([1, 2, 3, 1, 2, 3, 1, 2, 3], picks);
    }

    [Fact]
    public void UnequalWeights_ExactSharesAndInterleaved()
    {
        var picker = new InstancePicker([Target(1, 3), Target(2, 1)]);

        var picks = Enumerable.Range(0, 400).Select(_ => Port(picker.Pick())).ToArray();

        Assert.Equal(300, picks.Count(p => p == 1));
        Assert.Equal(100, picks.Count(p => p == 2));
        Assert.Equal([1, 1, 2, 1], picks[..4]);   // smooth: the light instance is not starved to the end of a cycle
    }

    [Fact]
    public void FractionalWeights_AreHonoured()
    {
        var picker = new InstancePicker([Target(1, 0.5), Target(2, 1.5)]);

        var picks = Enumerable.Range(0, 400).Select(_ => Port(picker.Pick())).ToArray();

        Assert.Equal(100, picks.Count(p => p == 1));
        Assert.Equal(300, picks.Count(p => p == 2));
    }

    [Fact]
    public void LargeUnequalSet_ExactSharesPerPeriod_SpreadOverIt()
    {
        // 100 instances weighted 1..100: too many for the smooth sequence, so picks go in the order they fall due.
        var weights = Enumerable.Range(1, 100).ToArray();
        var picks = PickPeriod(weights, weights.Sum());

        AssertExactShares(weights, picks);
        AssertSpread(weights, picks);
    }

    [Fact]
    public void TenThousandInstances_WeightedOneToThree_ExactSharesPerPeriod_SpreadOverIt()
    {
        // The size discovery hands over at scale (LaneIndexBenchmark): still one precomputed sequence.
        var weights = Enumerable.Range(0, 10_000).Select(i => 1 + (i % 3)).ToArray();
        var picks = PickPeriod(weights, weights.Sum());

        AssertExactShares(weights, picks);
        AssertSpread(weights, picks);
    }

    [Fact]
    public void WeightsTooFineForASequence_StillGetExactShares()
    {
        // Weights 1.01..3.00 share no factor: 40,100 units per period, more than a sequence holds.
        var weights = Enumerable.Range(101, 200).ToArray();
        var targets = weights.Select((w, i) => Target(i + 1, w / 100.0)).ToArray();
        var picker = new InstancePicker(targets);

        var counts = new int[weights.Length + 1];
        for (var i = 0; i < weights.Sum(); i++)
        {
            counts[Port(picker.Pick())]++;
        }

        Assert.All(Enumerable.Range(0, weights.Length), i => Assert.Equal(weights[i], counts[i + 1]));
    }

    [Property(MaxTest = 200)]
    public Property AnyWeights_ExactSharesPerPeriod(PositiveInt[] raw)
    {
        // 2 to 100 instances, weights 1 to 500: every path (smooth, due order, cumulative table) by what the weights add up to.
        var weights = raw.Take(100).Select(w => 1 + (w.Get % 500)).ToArray();
        if (weights.Length < 2)
        {
            return true.ToProperty();
        }

        var gcd = weights.Aggregate(0, (a, b) => (int)System.Numerics.BigInteger.GreatestCommonDivisor(a, b));
        var period = weights.Sum() / gcd;
        var picks = PickPeriod(weights, period);
        var counts = new int[weights.Length];
        foreach (var pick in picks)
        {
            counts[pick]++;
        }

        return Enumerable.Range(0, weights.Length).All(i => counts[i] == weights[i] / gcd)
            .Label($"weights {string.Join(",", weights)}: picks {string.Join(",", counts)}");
    }

    // One period of picks, as instance indexes.
    private static int[] PickPeriod(int[] weights, int period)
    {
        var picker = new InstancePicker(weights.Select((w, i) => Target(i + 1, w)).ToArray());
        var picks = new int[period];
        for (var i = 0; i < period; i++)
        {
            picks[i] = Port(picker.Pick()) - 1;
        }

        return picks;
    }

    private static void AssertExactShares(int[] weights, int[] picks)
    {
        var counts = new int[weights.Length];
        foreach (var pick in picks)
        {
            counts[pick]++;
        }

        Assert.Equal(weights, counts);
    }

    // No instance waits much longer than its share between two picks, across the period's end too: blocks of one
    // instance (a table walked in order) would fail this.
    private static void AssertSpread(int[] weights, int[] picks)
    {
        var period = picks.Length;
        var first = new int[weights.Length];
        var last = new int[weights.Length];
        var widest = new int[weights.Length];
        Array.Fill(first, -1);
        for (var step = 0; step < period; step++)
        {
            var pick = picks[step];
            if (first[pick] < 0)
            {
                first[pick] = step;
            }
            else
            {
                widest[pick] = Math.Max(widest[pick], step - last[pick]);
            }

            last[pick] = step;
        }

        for (var i = 0; i < weights.Length; i++)
        {
            var gap = Math.Max(widest[i], first[i] + period - last[i]);
            var fair = (double)period / weights[i];
            Assert.True(gap <= (2 * fair) + 1, $"instance {i} (weight {weights[i]}) waited {gap} picks; its share is one in {fair:F1}");
        }
    }

    private static RouteTarget Target(int port, double weight = 1) =>
        RouteTarget.Create(new ServiceInstance(new IPEndPoint(IPAddress.Loopback, port), Lane.Base, weight).ToServiceEndpoint())!;

    private static int Port(RouteTarget target) => ((IPEndPoint)target.Endpoint.EndPoint).Port;
}
