using System.Threading.Channels;
using Lanes.Background;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Lanes.Tests.Background;

public class BackgroundWorkTests
{
    [Fact]
    public async Task HostedConsumer_CallsOutInTheLaneTheWorkWasQueuedIn()
    {
        var recorder = new RecordingHandler();
        var configuration = TestHosts.Instances("orders", ("http://127.0.0.1:5001", null, 1), ("http://127.0.0.1:5002", "gray", 1));
        var builder = TestHosts.Builder(configuration);
        var queue = Channel.CreateUnbounded<InLane<int>>();
        builder.Services.AddSingleton(queue);
        builder.Services.AddHttpClient("orders").AddTrafficLanes().ConfigurePrimaryHttpMessageHandler(() => recorder);
        builder.Services.AddHostedService<Consumer>();
        using var host = builder.Build();
        await host.StartAsync();

        using (LaneContext.Enter(Lane.Parse("gray")))
        {
            await queue.Writer.WriteInLaneAsync(1);
        }

        await queue.Writer.WriteInLaneAsync(2);
        queue.Writer.Complete();
        await host.Services.GetServices<IHostedService>().OfType<Consumer>().Single().Done.WaitAsync(TimeSpan.FromSeconds(10));
        await host.StopAsync();

        Assert.Equal([(5002, "gray"), (5001, null)], recorder.Sent.Select(s => (s.Uri.Port, s.Lane)));
    }

    [Fact]
    public void TryWriteInLane_CapturesTheAmbientLane()
    {
        var queue = Channel.CreateUnbounded<InLane<string>>();
        using (LaneContext.Enter(Lane.Parse("blue")))
        {
            Assert.True(queue.Writer.TryWriteInLane("job"));
        }

        Assert.True(queue.Reader.TryRead(out var item));
        Assert.Equal(("job", "blue"), (item.Value, item.Lane.Name));
        Assert.True(LaneContext.Current.IsBase);
        using (item.Enter())
        {
            Assert.Equal("blue", LaneContext.Current.Name);
        }
    }

    /// <summary>A hosted queue consumer: it starts with the host, outside any request and any lane.</summary>
    private sealed class Consumer(Channel<InLane<int>> queue, IHttpClientFactory clients) : BackgroundService
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Done => _done.Task;

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await foreach (var work in queue.Reader.ReadAllAsync(stoppingToken))
            {
                Assert.True(LaneContext.Current.IsBase);
                using (work.Enter())
                {
                    await clients.CreateClient("orders").GetAsync("http://orders/", stoppingToken);
                }
            }

            _done.SetResult();
        }
    }
}
