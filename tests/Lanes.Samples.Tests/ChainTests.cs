using System.Net.Sockets;
using System.Text;

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

    [Fact]
    public async Task LaneHeaderSentTwice_KeepsTheLaneToTheEnd()
    {
        // Two identical lines reach a service (the gateway removes lanes from outside clients, so a trusted hop sent
        // them); it must read them as gray and forward one clean value that every later hop reads as gray too.
        var answer = await RawGetAsync(new Uri($"http://127.0.0.1:{chain.Ports["A"]}/a"), "x-mse-tag: gray", "x-mse-tag: gray");

        Assert.Equal($"A[127.0.0.1:{chain.Ports["A"]}][config=base] -> B[127.0.0.1:{chain.Ports["B"]}] -> Cgray[127.0.0.1:{chain.Ports["Cgray"]}]", answer);
    }

    [Fact]
    public async Task MergedLaneHeader_AtAService_KeepsTheLane()
    {
        var answer = await RawGetAsync(new Uri($"http://127.0.0.1:{chain.Ports["A"]}/a"), "x-mse-tag: gray, gray");

        Assert.Equal($"A[127.0.0.1:{chain.Ports["A"]}][config=base] -> B[127.0.0.1:{chain.Ports["B"]}] -> Cgray[127.0.0.1:{chain.Ports["Cgray"]}]", answer);
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

    // HttpClient merges repeated header lines; a client that does not has to be spoken to over a socket.
    private static async Task<string> RawGetAsync(Uri uri, params string[] headerLines)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port, timeout.Token);
        await using var stream = tcp.GetStream();
        var request = $"GET {uri.PathAndQuery} HTTP/1.0\r\nHost: {uri.Authority}\r\n{string.Concat(headerLines.Select(h => h + "\r\n"))}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync(timeout.Token);
        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        return response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
    }
}
