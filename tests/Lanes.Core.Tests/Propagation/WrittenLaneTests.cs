using System.Diagnostics.Metrics;
using Lanes.Extensibility;
using Lanes.Propagation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lanes.Tests.Propagation;

public class WrittenLaneTests
{
    private static readonly Lane Gray = Lane.Parse("gray");

    [Fact]
    public void TryGet_GivesTheLane_OnlyForTheRequestSet_WhileItsHeadersAreAsWritten()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://svc/");
        using var other = new HttpRequestMessage(HttpMethod.Get, "http://svc/");
        request.Headers.TryAddWithoutValidation("x-mse-tag", "gray");

        WrittenLane.Set(request, Gray);
        try
        {
            Assert.True(WrittenLane.TryGet(request, out var lane));
            Assert.Equal(Gray, lane);
            Assert.False(WrittenLane.TryGet(other, out _));

            // A handler between propagation and routing changed the headers: routing must read them again.
            request.Headers.TryAddWithoutValidation("x-other", "1");
            Assert.False(WrittenLane.TryGet(request, out _));
        }
        finally
        {
            WrittenLane.Clear();
        }
    }

    [Fact]
    public void Clear_ForgetsTheRequest()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://svc/");
        WrittenLane.Set(request, Gray);

        WrittenLane.Clear();

        Assert.False(WrittenLane.TryGet(request, out _));
    }

    [Fact]
    public async Task PropagationHandler_HandsTheLaneToTheHandlersItCalls_AndNothingOutlivesTheCall()
    {
        var seen = new List<(bool HandedOver, Lane Lane)>();
        var metrics = new LanesMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
        using var invoker = new HttpMessageInvoker(new LanePropagationHandler(Options.Create(new LanesOptions()), metrics)
        {
            InnerHandler = new Inspector(seen),
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://svc/");
        using var callerTagged = new HttpRequestMessage(HttpMethod.Get, "http://svc/");
        callerTagged.Headers.TryAddWithoutValidation("x-mse-tag", "blue");

        using (LaneContext.Enter(Gray))
        {
            using var first = await invoker.SendAsync(request, CancellationToken.None);
            Assert.False(WrittenLane.TryGet(request, out _));

            // The caller's own header decides, so nothing is handed over: routing reads it.
            using var second = await invoker.SendAsync(callerTagged, CancellationToken.None);
        }

        Assert.Equal([(true, Gray), (false, default)], seen);
    }

    private sealed class Inspector(List<(bool, Lane)> seen) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen.Add(WrittenLane.TryGet(request, out var lane) ? (true, lane) : (false, default));
            return Task.FromResult(new HttpResponseMessage());
        }
    }
}
