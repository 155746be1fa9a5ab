using Lanes.Nacos.StandIn;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lanes.Nacos.Tests.Infrastructure;

/// <summary>Hosts that register with and discover through the Nacos stand-in, with captured logs.</summary>
internal static class StandInHosts
{
    /// <summary>Configuration for the stand-in(s): their addresses, a quick retry and this instance on 127.0.0.1.</summary>
    public static Dictionary<string, string?> Config(params NacosStandIn[] servers)
    {
        var config = TestServices.Config([.. servers.Select(s => s.Address)]);
        config["Lanes:Nacos:Transport"] = "Auto";
        config["Lanes:Nacos:Registration:Ip"] = "127.0.0.1";
        config["Lanes:Nacos:RequestTimeout"] = "00:00:10";

        // The shared test machine can be slow to answer a first gRPC call: a generous server check keeps Auto on gRPC.
        config["Lanes:Nacos:Grpc:ConnectTimeout"] = "00:00:10";
        config["Lanes:PodLabelsPath"] = "/nonexistent/labels";
        return config;
    }

    /// <summary>A host registering <paramref name="service"/> on <paramref name="port"/> in <paramref name="lane"/> (or none when <paramref name="service"/> is null).</summary>
    public static IHost Build(Dictionary<string, string?> config, string? service, int port = 5005, string? lane = null, TimeProvider? time = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        if (service is null)
        {
            config["Lanes:Nacos:Registration:Enabled"] = "false";
        }
        else
        {
            config["Lanes:Nacos:Registration:ServiceName"] = service;
            config["Lanes:Nacos:Registration:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        config["Lanes:Lane"] = lane;
        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.AddFakeLogging().SetMinimumLevel(LogLevel.Debug);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddTrafficLanesNacos();
        return builder.Build();
    }
}
