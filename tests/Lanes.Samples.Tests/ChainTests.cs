namespace Lanes.Samples.Tests;

public sealed class ChainTests(SampleChain chain) : IClassFixture<SampleChain>
{
    [Fact]
    public async Task BaseRequest_StaysOnBase()
    {
        Assert.Equal(chain.ExpectedBase, await chain.Gateway.GetStringAsync("/a"));
    }

    [Fact]
    public async Task XiaomingRequest_TakesTheGrayLane_ThroughBaseB()
    {
        Assert.Equal(chain.ExpectedGray, await GetAsync(("User-Agent", "xiaoming")));
    }

    [Theory]
    [InlineData("x-mse-tag", "gray")]
    [InlineData("baggage", "x-mse-tag=gray")]
    public async Task LaneFromAnOutsideClient_IsRemovedAtTheEntry_AllTheWayDown(string header, string value)
    {
        Assert.Equal(chain.ExpectedBase, await GetAsync((header, value)));
    }

    [Fact]
    public async Task MalformedHeaderPlusBaggage_StaysBaseAtEveryHop()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/a");
        request.Headers.TryAddWithoutValidation("x-mse-tag", "gr ay");
        request.Headers.TryAddWithoutValidation("baggage", "x-mse-tag=gray");
        using var response = await chain.Gateway.SendAsync(request);

        Assert.Equal(chain.ExpectedBase, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("x-mse-tag", "GRAY")]
    [InlineData("x-mse-tag", "blue")]
    [InlineData("User-Agent", "xiaoming2")]
    public async Task UnknownOrMalformedLane_GoesToBase(string header, string value)
    {
        Assert.Equal(chain.ExpectedBase, await GetAsync((header, value)));
    }

    [Fact]
    public async Task ThousandInterleavedRequests_HaveZeroMisroutes()
    {
        const int Requests = 1000;
        var misroutes = 0;
        var failures = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        await Parallel.ForEachAsync(Enumerable.Range(0, Requests), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = deadline.Token }, async (i, ct) =>
        {
            var gray = i % 2 == 1;
            try
            {
                var answer = gray ? await GetAsync(("User-Agent", "xiaoming")) : await chain.Gateway.GetStringAsync("/a", ct);
                if (answer != (gray ? chain.ExpectedGray : chain.ExpectedBase))
                {
                    Interlocked.Increment(ref misroutes);
                }
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref failures);
            }
        });

        Assert.Equal(0, failures);
        Assert.Equal(0, misroutes);
    }

    private async Task<string> GetAsync((string Name, string Value) header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/a");
        request.Headers.TryAddWithoutValidation(header.Name, header.Value);
        using var response = await chain.Gateway.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }
}
