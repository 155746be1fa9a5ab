using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Lanes.Tests.Routing;

/// <summary>A started host whose lane-aware client "svc" ends in <see cref="ScriptedInstances"/>.</summary>
internal static class RoutingHost
{
    public static Dictionary<string, string?> Orders(params (int Port, string? Lane)[] instances) =>
        TestHosts.Instances("orders", [.. instances.Select(i => ($"http://127.0.0.1:{i.Port}", i.Lane, 1.0))]);

    public static Dictionary<string, string?> Orders(params (int Port, string? Lane, double Weight)[] instances) =>
        TestHosts.Instances("orders", [.. instances.Select(i => ($"http://127.0.0.1:{i.Port}", i.Lane, i.Weight))]);

    public static async Task<IHost> StartAsync(Dictionary<string, string?> configuration, ScriptedInstances script, TimeProvider? time = null, Action<IServiceCollection>? configure = null)
    {
        var builder = TestHosts.Builder(configuration);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddHttpClient("svc").AddTrafficLanes().ConfigurePrimaryHttpMessageHandler(() => script);
        configure?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public static HttpClient Client(IHost host, string name = "svc") => host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(name);
}
