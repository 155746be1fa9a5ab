using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Lanes.Samples;

/// <summary>
/// Stops a sample host when the process that started it goes away, however it went (SIGKILL included). The parent
/// holds the write end of the host's standard input; when the parent dies the kernel closes it, the host reads the
/// end of its input and stops gracefully (so it deregisters from Nacos). Only on when asked (<see cref="ConfigurationKey"/>),
/// since a host started from a shell may have no input at all.
/// </summary>
internal static class ParentWatch
{
    /// <summary>The setting that turns the watch on (<c>--Sample:StopWithParent=true</c>).</summary>
    public const string ConfigurationKey = "Sample:StopWithParent";

    /// <summary>Starts watching standard input when <see cref="ConfigurationKey"/> is set.</summary>
    /// <param name="app">The host to stop.</param>
    public static void Start(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Configuration.GetValue(ConfigurationKey, false))
        {
            return;
        }

        var lifetime = app.Lifetime;
        var watch = new Thread(() =>
        {
            try
            {
                using var input = Console.OpenStandardInput();
                var buffer = new byte[256];
                while (input.Read(buffer, 0, buffer.Length) > 0)
                {
                    // The parent never writes; anything read is ignored until the end of input.
                }
            }
            catch (IOException)
            {
                // A broken pipe is the parent going away too.
            }

            lifetime.StopApplication();
        })
        {
            IsBackground = true,
            Name = "Parent watch",
        };
        watch.Start();
    }
}
