using Microsoft.Extensions.Time.Testing;

namespace Lanes.Nacos.Tests.Infrastructure;

/// <summary>Waits, bounded in time, for something a background loop does.</summary>
internal static class Eventually
{
    public static async Task<bool> TrueAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(10);
        }

        return condition();
    }

    public static async Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(10);
        }

        return await condition();
    }

    public static async Task AssertAsync(Func<bool> condition, string because, TimeSpan? timeout = null)
    {
        Assert.True(await TrueAsync(condition, timeout), because);
    }

    /// <summary>
    /// Steps virtual time until a background loop has acted. Loops re-arm their timers after each answer, so a
    /// single advance may come before the timer exists; a bounded number of steps settles that race.
    /// </summary>
    public static async Task AdvanceUntilAsync(FakeTimeProvider time, TimeSpan step, Func<bool> condition, string because)
    {
        for (var i = 0; i < 10 && !condition(); i++)
        {
            time.Advance(step);
            _ = await TrueAsync(condition, TimeSpan.FromMilliseconds(300));
        }

        Assert.True(condition(), because);
    }
}
