using Lanes.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Lanes.AspNetCore.Tests.Inbound;

/// <summary>
/// The request's lane is ambient for exactly the rest of its pipeline, whether that completes at once or later, and
/// never outlives it on the caller's side. A refusal or failure thrown before the pipeline returns a task is handled as
/// one thrown later.
/// </summary>
public class LaneMiddlewareScopeTests
{
    [Fact]
    public async Task PipelineCompletingAtOnce_RunsInTheLane_AndTheCallerKeepsItsOwn()
    {
        Lane seen = default;
        var pipeline = Pipeline(_ =>
        {
            seen = LaneContext.Current;
            return Task.CompletedTask;
        });

        var pending = pipeline(Gray());

        Assert.True(pending.IsCompletedSuccessfully);
        Assert.True(LaneContext.Current.IsBase);
        await pending;
        Assert.Equal("gray", seen.Name);
    }

    [Fact]
    public async Task PipelineThatWaits_StaysInTheLane_AfterEachAwait_AndTheCallerKeepsItsOwn()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new List<string?>();
        var pipeline = Pipeline(async _ =>
        {
            seen.Add(LaneContext.Current.Name);
            await release.Task;
            seen.Add(LaneContext.Current.Name);
            await Task.Yield();
            seen.Add(LaneContext.Current.Name);
        });

        var pending = pipeline(Gray());
        Assert.False(pending.IsCompleted);
        Assert.True(LaneContext.Current.IsBase);

        release.SetResult();
        await pending;

        Assert.Equal(["gray", "gray", "gray"], seen);
        Assert.True(LaneContext.Current.IsBase);
    }

    [Fact]
    public async Task RefusalThrownBeforeAnyAwait_IsA503NamingTheService()
    {
        var context = Gray();
        var pipeline = Pipeline(_ => throw new LaneRoutingException("orders", Lane.Parse("gray"), "no instance"));

        await pipeline(context);

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        Assert.Equal("orders", context.Response.Headers[LaneRefusal.HeaderName]);
        Assert.Equal("gray", context.Response.Headers["x-mse-tag"]);
        Assert.True(LaneContext.Current.IsBase);
    }

    [Fact]
    public async Task OtherFailureThrownBeforeAnyAwait_FaultsTheTask_AndLeavesTheLane()
    {
        var pipeline = Pipeline(_ => throw new InvalidOperationException("broken"));

        var pending = pipeline(Gray());

        Assert.True(pending.IsFaulted);
        Assert.True(LaneContext.Current.IsBase);
        Assert.Equal("broken", (await Assert.ThrowsAsync<InvalidOperationException>(() => pending)).Message);
    }

    private static DefaultHttpContext Gray()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers["x-mse-tag"] = "gray";
        context.Response.Body = new MemoryStream();
        return context;
    }

    private static RequestDelegate Pipeline(RequestDelegate terminal)
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddLogging();
        services.AddTrafficLanes();
        var app = new ApplicationBuilder(services.BuildServiceProvider());
        app.UseTrafficLanes();
        app.Run(terminal);
        return app.Build();
    }
}
