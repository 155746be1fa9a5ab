namespace Lanes.Tests;

public class LaneContextTests
{
    private static readonly Lane Gray = Lane.Parse("gray");
    private static readonly Lane Blue = Lane.Parse("blue");

    [Fact]
    public void Current_Default_IsBase() => Assert.True(LaneContext.Current.IsBase);

    [Fact]
    public void Enter_SetsLane_AndDisposeRestoresPrevious()
    {
        using (LaneContext.Enter(Gray))
        {
            Assert.Equal(Gray, LaneContext.Current);
            using (LaneContext.Enter(Blue))
            {
                Assert.Equal(Blue, LaneContext.Current);
            }

            Assert.Equal(Gray, LaneContext.Current);
            using (LaneContext.Enter(Lane.Base))
            {
                Assert.True(LaneContext.Current.IsBase);
            }

            Assert.Equal(Gray, LaneContext.Current);
        }

        Assert.True(LaneContext.Current.IsBase);
    }

    [Fact]
    public void EnteringBase_IsOnPurpose_UntilItsScopeEnds()
    {
        Assert.False(LaneContext.IsExplicitBase);
        using (LaneContext.Enter(Lane.Base))
        {
            Assert.True(LaneContext.Current.IsBase);
            Assert.True(LaneContext.IsExplicitBase);
            using (LaneContext.Enter(Gray))
            {
                Assert.Equal(Gray, LaneContext.Current);
                Assert.False(LaneContext.IsExplicitBase);
            }

            Assert.True(LaneContext.IsExplicitBase);
        }

        Assert.False(LaneContext.IsExplicitBase);
        Assert.True(LaneContext.Current.IsBase);
    }

    [Fact]
    public async Task Lane_FlowsIntoTaskRunAndAwaits()
    {
        using var scope = LaneContext.Enter(Gray);

        var inTaskRun = await Task.Run(() => LaneContext.Current);
        await Task.Yield();

        Assert.Equal(Gray, inTaskRun);
        Assert.Equal(Gray, LaneContext.Current);
    }

    [Fact]
    public async Task Lane_SetInChild_DoesNotFlowBackToCaller()
    {
        using var scope = LaneContext.Enter(Gray);

        await EnterBlueAsync();

        Assert.Equal(Gray, LaneContext.Current);

        static async Task EnterBlueAsync()
        {
            LaneContext.Enter(Blue);
            await Task.Yield();
            Assert.Equal(Blue, LaneContext.Current);
        }
    }

    [Fact]
    public async Task ParallelFlows_DoNotSeeEachOther()
    {
        var lanes = Enumerable.Range(0, 64).Select(i => Lane.Parse($"lane-{i}")).ToArray();
        var mismatches = 0;

        await Parallel.ForEachAsync(lanes, async (lane, _) =>
        {
            using var scope = LaneContext.Enter(lane);
            for (var i = 0; i < 20; i++)
            {
                await Task.Yield();
                if (LaneContext.Current != lane)
                {
                    Interlocked.Increment(ref mismatches);
                }
            }
        });

        Assert.Equal(0, mismatches);
        Assert.True(LaneContext.Current.IsBase);
    }

    [Fact]
    public async Task CapturedLane_CanBeReenteredByQueuedWork()
    {
        var queue = System.Threading.Channels.Channel.CreateUnbounded<(Lane Lane, int Item)>();
        Lane seenByConsumer = default;

        // The consumer starts outside any lane, as a hosted service would.
        Task consumer;
        using (ExecutionContext.SuppressFlow())
        {
            consumer = Task.Run(async () =>
            {
                var (lane, _) = await queue.Reader.ReadAsync();
                Assert.True(LaneContext.Current.IsBase);
                using var scope = LaneContext.Enter(lane);
                seenByConsumer = LaneContext.Current;
            });
        }

        using (LaneContext.Enter(Gray))
        {
            await queue.Writer.WriteAsync((LaneContext.Current, 1));
        }

        await consumer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Gray, seenByConsumer);
    }
}
