using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Lanes.Nacos.Tests.Infrastructure;

/// <summary>A service provider with Nacos discovery configured from an in-memory dictionary and fake logging.</summary>
internal static class TestServices
{
    // Failover caches of this test run; removed when the run ends.
    private static readonly string s_cacheRoot = CreateCacheRoot();

    public static Dictionary<string, string?> Config(params string[] serverAddresses)
    {
        var config = new Dictionary<string, string?>
        {
            // The WireMock fakes speak the v1 open API; the gRPC and v3 stand-in tests choose their transport themselves.
            ["Lanes:Nacos:Transport"] = "V1",
            ["Lanes:Nacos:RetryBackoff"] = "00:00:00",
            ["Lanes:Nacos:MaxRetries"] = "0",
            // Requests time out on the injected clock. Tests step fake time in jumps (10 s for a poll) that may land
            // while a request is still on the wire; with the 5 s default that request would time out on a clock
            // nobody meant to pass for it. Tests about timeouts set their own.
            ["Lanes:Nacos:RequestTimeout"] = "00:10:00",
            ["Lanes:Nacos:Push:Enabled"] = "false",
            ["Lanes:Nacos:FailoverCacheDirectory"] = Path.Combine(s_cacheRoot, Guid.NewGuid().ToString("N")),
        };
        for (var i = 0; i < serverAddresses.Length; i++)
        {
            config[$"Lanes:Nacos:ServerAddresses:{i}"] = serverAddresses[i];
        }

        return config;
    }

    public static ServiceProvider Build(Dictionary<string, string?> config, TimeProvider? timeProvider = null, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(config).Build());
        services.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Debug));
        if (timeProvider is not null)
        {
            services.AddSingleton(timeProvider);
        }

        services.AddTrafficLanesNacosDiscovery();
        configure?.Invoke(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    private static string CreateCacheRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), "lanes-nacos-tests", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a file still open is left for the OS's temp cleaning.
            }
            catch (UnauthorizedAccessException)
            {
                // Same.
            }
        };
        return root;
    }
}
