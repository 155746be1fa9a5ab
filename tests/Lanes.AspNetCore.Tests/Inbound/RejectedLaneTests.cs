using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lanes.AspNetCore.Tests.Inbound;

/// <summary>
/// A lane one hop judged invalid (or whose carrier was too large) stays rejected at the next hop: .NET's own baggage
/// propagation must not send the client's <c>baggage: x-mse-tag=gray</c> on. Two real hops on loopback; the first logs
/// (as every real service does), so ASP.NET Core's hosting gives each request an activity with the inbound baggage.
/// </summary>
public sealed class RejectedLaneTests : IAsyncLifetime
{
    private WebApplication _next = null!;
    private WebApplication _service = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var echo = LoopbackApp.Builder();
        _next = echo.Build();
        _next.Run(context => context.Response.WriteAsync($"{context.Request.Headers["x-mse-tag"]}|{context.Request.Headers["baggage"]}"));
        await _next.StartAsync();

        var service = LoopbackApp.Builder(new Dictionary<string, string?> { ["Lanes:Services:next:0:Url"] = _next.Urls.Single() });
        service.Logging.AddProvider(new Microsoft.Extensions.Logging.Testing.FakeLoggerProvider());
        service.Services.AddTrafficLanes();
        service.Services.AddHttpClient("next").AddTrafficLanes();
        _service = service.Build();
        _service.UseTrafficLanes();
        _service.Run(async context =>
        {
            var next = await context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient("next").GetStringAsync("http://next/");
            await context.Response.WriteAsync($"{LaneContext.Current}>{next}");
        });
        (_service, _client) = await LoopbackApp.StartAsync(_service);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _service.DisposeAsync();
        await _next.DisposeAsync();
    }

    [Fact]
    public async Task InvalidLaneHeader_WithALaneInBaggage_IsBaseAtThisHopAndTheNext()
    {
        var answer = await GetAsync(("x-mse-tag", "Not A Lane"), ("baggage", "x-mse-tag=gray,tenant=acme"));

        var (lane, header, baggage) = Parse(answer);
        Assert.Equal(("base", ""), (lane, header));
        Assert.DoesNotContain("x-mse-tag", baggage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedBaggage_WithALaneInIt_IsBaseAtThisHopAndTheNext()
    {
        var baggage = "x-mse-tag=gray," + string.Join(',', Enumerable.Range(0, 900).Select(i => $"k{i}=v{i}"));

        var answer = await GetAsync(("baggage", baggage));

        var (lane, header, forwarded) = Parse(answer);
        Assert.Equal(("base", ""), (lane, header));
        Assert.DoesNotContain("x-mse-tag", forwarded, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidLaneInBaggage_IsCarriedOn()
    {
        var answer = await GetAsync(("baggage", "x-mse-tag=gray,tenant=acme"));

        var (lane, header, baggage) = Parse(answer);
        Assert.Equal(("gray", "gray"), (lane, header));
        Assert.Contains("x-mse-tag=gray", baggage, StringComparison.Ordinal);
    }

    private static (string Lane, string Header, string Baggage) Parse(string answer)
    {
        var hop = answer.Split('>', 2);
        var next = hop[1].Split('|', 2);
        return (hop[0], next[0], next[1]);
    }

    private async Task<string> GetAsync(params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await _client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }
}
