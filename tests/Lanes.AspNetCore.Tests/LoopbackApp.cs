using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Lanes.AspNetCore.Tests;

/// <summary>A real Kestrel app on 127.0.0.1 with an ephemeral port.</summary>
internal static class LoopbackApp
{
    public static WebApplicationBuilder Builder(IDictionary<string, string?>? configuration = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls("http://127.0.0.1:0");
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging();
        builder.Configuration.AddInMemoryCollection(configuration ?? new Dictionary<string, string?>());
        return builder;
    }

    public static async Task<(WebApplication App, HttpClient Client)> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        return (app, client);
    }
}
