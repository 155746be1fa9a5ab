using System.Net;
using Grpc.Core;
using Lanes.Grpc.Tests.Protos;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Lanes.Grpc.Tests;

/// <summary>A real gRPC service on Kestrel at 127.0.0.1 with an ephemeral port, HTTP/2 cleartext only.</summary>
internal static class GrpcLoopback
{
    public static async Task<WebApplication> StartAsync(string instance, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(static options =>
            options.Listen(IPAddress.Loopback, 0, static listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging();
        builder.Services.AddGrpc();
        builder.Services.AddTrafficLanes();
        builder.Services.AddSingleton(new InstanceName(instance));
        configure?.Invoke(builder);
        var app = builder.Build();
        app.UseTrafficLanes();
        app.UseRouting();
        app.MapGrpcService<EchoService>();
        await app.StartAsync();
        return app;
    }

    public static string Url(WebApplication app) => app.Urls.Single();
}

internal sealed record InstanceName(string Value);

/// <summary>Says which instance served the call, the ambient lane the server saw and the lane metadata it received.</summary>
internal sealed class EchoService(InstanceName instance, IServiceProvider services) : Echo.EchoBase
{
    public override async Task<WhoReply> Relay(WhoRequest request, ServerCallContext context) =>
        await services.GetRequiredService<Echo.EchoClient>().WhoAsync(request, cancellationToken: context.CancellationToken);

    public override Task<WhoReply> Who(WhoRequest request, ServerCallContext context) => Task.FromResult(new WhoReply
    {
        Instance = instance.Value,
        Lane = LaneContext.Current.ToString(),
        LaneHeader = context.RequestHeaders.GetValue("x-mse-tag") ?? string.Empty,
    });
}
