using System.Diagnostics.Metrics;
using Lanes.Extensibility;
using Lanes.Propagation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lanes.Tests.Propagation;

public class LanePropagationHandlerTests
{
    private static readonly LanesMetrics Metrics = new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());

    private static readonly Lane Gray = Lane.Parse("gray");

    [Fact]
    public async Task Base_WritesNothing()
    {
        var sent = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://svc/"), Lane.Base);

        Assert.False(sent.Headers.Contains("x-mse-tag"));
        Assert.False(sent.Headers.Contains("baggage"));
    }

    [Fact]
    public async Task Lane_WritesHeaderAndBaggageMember()
    {
        var sent = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://svc/"), Gray);

        Assert.Equal(["gray"], sent.Headers.GetValues("x-mse-tag"));
        Assert.Equal(["x-mse-tag=gray"], sent.Headers.GetValues("baggage"));
    }

    [Fact]
    public async Task CallerHeader_IsKeptAndNotDuplicated()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "http://svc/");
        request.Headers.Add("x-mse-tag", "blue");

        var sent = await SendAsync(request, Gray);

        Assert.Equal(["blue"], sent.Headers.GetValues("x-mse-tag"));
    }

    [Theory]
    [InlineData("x-mse-tag")]
    [InlineData("X-Mse-Tag")]
    public async Task CallerHeaderAmongOthers_InAnyCase_IsKeptAndNotDuplicated(string name)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "http://svc/");
        request.Headers.TryAddWithoutValidation("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        request.Headers.TryAddWithoutValidation(name, "blue");

        var sent = await SendAsync(request, Gray);

        Assert.Equal(["blue"], sent.Headers.GetValues("x-mse-tag"));
        Assert.Equal(["x-mse-tag=gray"], sent.Headers.NonValidated["baggage"]);
    }

    [Theory]
    [InlineData("baggage")]
    [InlineData("Baggage")]
    public async Task CallerBaggageAmongOthers_InAnyCase_GetsLaneMemberFirst(string name)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "http://svc/");
        request.Headers.TryAddWithoutValidation("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        request.Headers.TryAddWithoutValidation(name, "userId=alice");

        var sent = await SendAsync(request, Gray);

        Assert.Equal(["gray"], sent.Headers.GetValues("x-mse-tag"));
        Assert.Equal(["x-mse-tag=gray", "userId=alice"], sent.Headers.NonValidated["baggage"]);
    }

    [Fact]
    public async Task CallerBaggageWithoutLane_GetsLaneMemberFirst()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "http://svc/");
        request.Headers.TryAddWithoutValidation("baggage", "userId=alice,region=eu");

        var sent = await SendAsync(request, Gray);

        Assert.Equal(["x-mse-tag=gray", "userId=alice,region=eu"], sent.Headers.NonValidated["baggage"]);
    }

    [Fact]
    public async Task CallerBaggageWithLane_IsLeftAlone()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "http://svc/");
        request.Headers.TryAddWithoutValidation("baggage", "userId=alice,x-mse-tag=blue");

        var sent = await SendAsync(request, Gray);

        Assert.Equal(["userId=alice,x-mse-tag=blue"], sent.Headers.NonValidated["baggage"]);
    }

    [Fact]
    public async Task ConfiguredNames_AreUsed_AndEmptyBaggageKeyDisablesBaggage()
    {
        var options = new LanesOptions();
        options.Propagation.HeaderName = "x-lane";
        options.Propagation.BaggageKey = string.Empty;

        var sent = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://svc/"), Gray, options);

        Assert.Equal(["gray"], sent.Headers.GetValues("x-lane"));
        Assert.False(sent.Headers.Contains("x-mse-tag"));
        Assert.False(sent.Headers.Contains("baggage"));
    }

    [Fact]
    public async Task SyncSend_WritesLaneToo()
    {
        using var invoker = new HttpMessageInvoker(new LanePropagationHandler(Options.Create(new LanesOptions()), Metrics) { InnerHandler = new Recorder() });
        using var scope = LaneContext.Enter(Gray);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://svc/");

        using var response = invoker.Send(request, CancellationToken.None);

        Assert.Equal(["gray"], request.Headers.GetValues("x-mse-tag"));
        await Task.CompletedTask;
    }

    private static async Task<HttpRequestMessage> SendAsync(HttpRequestMessage request, Lane lane, LanesOptions? options = null)
    {
        var recorder = new Recorder();
        using var invoker = new HttpMessageInvoker(new LanePropagationHandler(Options.Create(options ?? new LanesOptions()), Metrics) { InnerHandler = recorder });
        using var scope = LaneContext.Enter(lane);
        using var response = await invoker.SendAsync(request, CancellationToken.None);
        return recorder.Last!;
    }

    private sealed class Recorder : HttpMessageHandler
    {
        public HttpRequestMessage? Last { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Last = request;
            return Task.FromResult(new HttpResponseMessage());
        }

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Last = request;
            return new HttpResponseMessage();
        }
    }
}
