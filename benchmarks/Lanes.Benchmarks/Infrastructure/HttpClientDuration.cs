using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Lanes.Benchmarks.Infrastructure;

/// <summary>
/// HttpClient's <c>http.client.request.duration</c> as an application has it: created by the first request a client of
/// the application's <see cref="IHttpClientFactory"/> sent, and recorded only while a listener enables it.
/// </summary>
internal static class HttpClientDuration
{
    /// <summary>Sends one request through a default factory client (to a closed loopback port), which creates the instrument.</summary>
    /// <param name="services">A provider with <c>AddHttpClient()</c> registered.</param>
    public static void Create(IServiceProvider services)
    {
        using var client = services.GetRequiredService<IHttpClientFactory>().CreateClient();
        try
        {
            client.GetAsync(new Uri("http://127.0.0.1:1/")).GetAwaiter().GetResult().Dispose();
        }
        catch (HttpRequestException)
        {
            // refused, as intended: the handler chain, and so the instrument, exists now
        }
    }

    /// <summary>Enables the instrument of <paramref name="services"/>' meter factory, as a metrics exporter does.</summary>
    /// <param name="services">The application's provider.</param>
    public static MeterListener Record(IServiceProvider services)
    {
        var scope = services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, scope) && instrument is { Name: "http.client.request.duration", Meter.Name: "System.Net.Http" })
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
        listener.Start();
        return listener;
    }
}
