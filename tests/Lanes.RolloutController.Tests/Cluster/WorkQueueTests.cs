using Lanes.RolloutController.Cluster;
using Microsoft.Extensions.Time.Testing;

namespace Lanes.RolloutController.Tests.Cluster;

public sealed class WorkQueueTests
{
    [Fact]
    public async Task Add_Twice_IsCoalesced_AndAKeyInProgressIsNotHandedOutTwice()
    {
        using var queue = new WorkQueue<string>(new FakeTimeProvider());
        queue.Add("a");
        queue.Add("a");
        Assert.Equal(1, queue.Count);

        var first = await queue.TakeAsync(CancellationToken.None);
        queue.Add("a");
        Assert.Equal(0, queue.Count);

        queue.Done(first);
        Assert.Equal(1, queue.Count);
        Assert.Equal("a", await queue.TakeAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AddAfter_WaitsForTheClock_AndKeepsTheEarliestDelay()
    {
        var clock = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(clock);
        queue.AddAfter("a", TimeSpan.FromSeconds(30));
        queue.AddAfter("a", TimeSpan.FromSeconds(10));
        queue.AddAfter("a", TimeSpan.FromSeconds(20));

        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, queue.Count);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, queue.Count);
        Assert.Equal("a", await queue.TakeAsync(CancellationToken.None));
    }
}
