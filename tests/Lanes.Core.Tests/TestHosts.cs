using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Lanes.Tests;

/// <summary>Hosts for tests: real DI, configuration and options validation; outbound calls end in a recorder, not the network.</summary>
internal static class TestHosts
{
    public static HostApplicationBuilder Builder(IDictionary<string, string?> configuration)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddLogging();
        return builder;
    }

    /// <summary>A host with one lane-aware client named "svc" whose calls are recorded.</summary>
    public static IHost WithRecordingClient(IDictionary<string, string?> configuration, RecordingHandler recorder, Action<IServiceCollection>? configure = null)
    {
        var builder = Builder(configuration);
        configure?.Invoke(builder.Services);
        builder.Services.AddHttpClient("svc").AddTrafficLanes().ConfigurePrimaryHttpMessageHandler(() => recorder);
        return builder.Build();
    }

    public static Dictionary<string, string?> Instances(string service, params (string Url, string? Lane, double Weight)[] instances)
    {
        var configuration = new Dictionary<string, string?>();
        for (var i = 0; i < instances.Length; i++)
        {
            configuration[$"Lanes:Services:{service}:{i}:Url"] = instances[i].Url;
            configuration[$"Lanes:Services:{service}:{i}:Lane"] = instances[i].Lane;
            configuration[$"Lanes:Services:{service}:{i}:Weight"] = instances[i].Weight.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return configuration;
    }
}

/// <summary>The end of an outbound pipeline: records what would have gone on the wire.</summary>
internal sealed class RecordingHandler : HttpMessageHandler
{
    public ConcurrentQueue<(Uri Uri, string? Lane)> Sent { get; } = new();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var lane = request.Headers.TryGetValues("x-mse-tag", out var values) ? values.Single() : null;
        Sent.Enqueue((request.RequestUri!, lane));
        return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { RequestMessage = request });
    }
}
