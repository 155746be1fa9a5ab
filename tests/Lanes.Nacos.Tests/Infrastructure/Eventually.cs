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

    public static async Task AssertAsync(Func<bool> condition, string because, TimeSpan? timeout = null)
    {
        Assert.True(await TrueAsync(condition, timeout), because);
    }
}
