using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Lanes.Extensibility;
using Lanes.Propagation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Lanes.Benchmarks.Propagation;

/// <summary>
/// What break detection costs a base call: a real <see cref="HttpClient"/> call (SocketsHttpHandler, kept-alive loopback
/// connection) to a server that answers at once, with nobody listening to HttpClient's diagnostics, and with the break
/// detector listening, as it does while lanes are in use. Every call of the process pays the difference then; the
/// detector stops listening a minute after the last call made in a lane, so base-only traffic pays nothing.
/// </summary>
/// <remarks>
/// Allocation figures count the whole process, the loopback server's few bytes included; times include the loopback
/// round trip, so compare the two rows of one run.
/// </remarks>
[MemoryDiagnoser]
public class BreakDetectionBenchmark
{
    private static readonly byte[] Answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"u8.ToArray();
    private TcpListener _server = null!;
    private CancellationTokenSource _stop = null!;
    private HttpClient _client = null!;
    private Uri _uri = null!;
    private LaneBreakDetector? _detector;

    [GlobalSetup]
    public void Setup()
    {
        _stop = new CancellationTokenSource();
        _server = new TcpListener(IPAddress.Loopback, 0);
        _server.Start();
        _ = AcceptAsync(_server, _stop.Token);
        _uri = new Uri($"http://127.0.0.1:{((IPEndPoint)_server.LocalEndpoint).Port}/items/42");
        _client = new HttpClient(new SocketsHttpHandler());
        if (!BaseCall().GetAwaiter().GetResult().IsSuccessStatusCode)
        {
            throw new InvalidOperationException("The loopback server did not answer 200.");
        }
    }

    // The detector listens from the first lane entered; its clock never moves here, so it does not stop listening.
    [GlobalSetup(Target = nameof(BaseCallWhileDetecting))]
    public void SetupDetecting()
    {
        Setup();
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        _detector = new LaneBreakDetector(Options.Create(new LanesOptions()), new LanesMetrics(meters), new FakeTimeProvider(), NullLogger<LaneBreakDetector>.Instance);
        _detector.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        using (LaneContext.Enter(Lane.Parse("gray")))
        {
        }

        if (!_detector.IsWatching)
        {
            throw new InvalidOperationException("The break detector should listen once a lane was entered.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _detector?.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        _detector = null;
        _client.Dispose();
        _stop.Cancel();
        _server.Stop();
    }

    [Benchmark(Baseline = true, Description = "base call, nobody listening")]
    public Task<HttpResponseMessage> BaseCall() => Send();

    [Benchmark(Description = "base call, break detection listening")]
    public Task<HttpResponseMessage> BaseCallWhileDetecting() => Send();

    private async Task<HttpResponseMessage> Send()
    {
        var response = await _client.GetAsync(_uri, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
        response.Dispose();
        return response;
    }

    // Answers each request on a connection as soon as its header block has arrived (GET, no body).
    private static async Task AcceptAsync(TcpListener server, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var socket = await server.AcceptSocketAsync(stop).ConfigureAwait(false);
                _ = ServeAsync(socket, stop);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private static async Task ServeAsync(Socket socket, CancellationToken stop)
    {
        using (socket)
        {
            var buffer = new byte[16 * 1024];
            var filled = 0;
            try
            {
                while (true)
                {
                    var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, stop).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return;
                    }

                    filled += read;
                    var start = 0;
                    int end;
                    while ((end = buffer.AsSpan(start, filled - start).IndexOf("\r\n\r\n"u8)) >= 0)
                    {
                        start += end + 4;
                        await socket.SendAsync(Answer, SocketFlags.None, stop).ConfigureAwait(false);
                    }

                    buffer.AsSpan(start, filled - start).CopyTo(buffer);
                    filled -= start;
                    if (filled == buffer.Length)
                    {
                        return;   // a header block larger than the buffer: not a request this benchmark sends
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }
    }
}
