namespace Lanes.RolloutController.Tests.TestSupport;

/// <summary>Bounded polling: every wait in the tests ends, in count and in time.</summary>
internal static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static async Task<T> WaitAsync<T>(Func<T?> probe, Func<T, bool> condition, string what, TimeSpan? timeout = null, Func<string>? describe = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var started = System.Diagnostics.Stopwatch.StartNew();
        var attempts = 0;
        T? last = default;
        while (started.Elapsed < limit && attempts < 100_000)
        {
            attempts++;
            last = probe();
            if (last is not null && condition(last))
            {
                return last;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"Timed out after {limit.TotalSeconds}s waiting for {what}. {describe?.Invoke()}");
    }

    public static Task WaitAsync(Func<bool> condition, string what, TimeSpan? timeout = null, Func<string>? describe = null) =>
        WaitAsync(() => (object)condition(), static v => (bool)v, what, timeout, describe);
}
