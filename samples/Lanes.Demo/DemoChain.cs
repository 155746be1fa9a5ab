using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace Lanes.Demo;

/// <summary>
/// The seed's topology on loopback: a gateway, A/B/C base and A/C gray, each its own process, all
/// discovering each other through the embedded configuration discovery.
/// </summary>
internal sealed class DemoChain : IDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(90);
    private readonly List<ChildProcess> _children = [];
    private readonly DemoOptions _options;

    public DemoChain(DemoOptions options)
    {
        _options = options;
        var port = options.FirstServicePort;
        Services =
        [
            new("A", "sample-a", Lane: null, port, Next: "http://sample-b/b", ShowConfig: true),
            new("A", "sample-a", Lane: "gray", port + 1, Next: "http://sample-b/b", ShowConfig: true),
            new("B", "sample-b", Lane: null, port + 2, Next: "http://sample-c/c", ShowConfig: false),
            new("C", "sample-c", Lane: null, port + 3, Next: null, ShowConfig: false),
            new("C", "sample-c", Lane: "gray", port + 4, Next: null, ShowConfig: false),
        ];
    }

    public IReadOnlyList<ServiceHost> Services { get; }

    public Uri GatewayUri => new($"http://127.0.0.1:{_options.GatewayPort.ToString(CultureInfo.InvariantCulture)}");

    public string ExpectedBase => $"A[127.0.0.1:{Services[0].Port}][config=base] -> B[127.0.0.1:{Services[2].Port}] -> C[127.0.0.1:{Services[3].Port}]";

    public string ExpectedGray => $"Agray[127.0.0.1:{Services[1].Port}][config=base] -> B[127.0.0.1:{Services[2].Port}] -> Cgray[127.0.0.1:{Services[4].Port}]";

    /// <summary>Fails with a clear message when a port the demo needs is taken.</summary>
    public void CheckPortsFree()
    {
        CheckPortFree(_options.GatewayPort, "--gateway-port");
        foreach (var service in Services)
        {
            CheckPortFree(service.Port, "--service-port");
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var catalog = _options.Nacos is null ? CatalogArguments() : NacosArguments(registerAs: null);
        foreach (var service in Services)
        {
            var args = new List<string>
            {
                "--urls", Url(service.Port),
                "--Sample:Name=" + service.Name,
                "--Sample:ShowConfig=" + (service.ShowConfig ? "true" : "false"),
                "--Lanes:Lane=" + (service.Lane ?? string.Empty),
                StopWithDemo,
            };
            if (service.Next is not null)
            {
                args.Add("--Sample:Next=" + service.Next);
            }

            args.AddRange(_options.Nacos is null ? catalog : NacosArguments(registerAs: service.ServiceName));
            args.AddRange(LogArguments());
            _children.Add(ChildProcess.Start(service.Label, PathOf("Lanes.Demo.ServicePath"), args, _options.Verbose));
        }

        var gatewayArgs = new List<string> { "--urls", Url(_options.GatewayPort), StopWithDemo, "--Lanes:Entry:Tokens:KeysDirectory=" + DemoKeys.EnsureDirectory() };
        if (_options.RulesDirectory is { } rules)
        {
            Directory.CreateDirectory(rules);
            gatewayArgs.Add("--Lanes:Entry:RulesDirectory=" + rules);
        }

        gatewayArgs.AddRange(catalog);
        gatewayArgs.AddRange(LogArguments());
        _children.Add(ChildProcess.Start("gateway", PathOf("Lanes.Demo.GatewayPath"), gatewayArgs, _options.Verbose));

        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var ports = Services.Select(s => s.Port).Append(_options.GatewayPort).ToArray();
        for (var i = 0; i < _children.Count; i++)
        {
            await WaitHealthyAsync(probe, _children[i], ports[i], cancellationToken);
        }
    }

    /// <summary>
    /// Asks the gateway for a base and a gray answer until both are the expected ones, or 60 s have passed
    /// (discovery through Nacos needs a moment after registration, and the first request warms six processes);
    /// returns the last answers either way, a request that got no answer as a line saying so.
    /// </summary>
    public async Task<(string Base, string Gray)> AskAsync(HttpClient client, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(_options.Nacos is null ? 0 : 60);
        while (true)
        {
            var baseAnswer = await AnswerAsync(client, gray: false, cancellationToken);
            var grayAnswer = await AnswerAsync(client, gray: true, cancellationToken);
            if ((baseAnswer == ExpectedBase && grayAnswer == ExpectedGray) || DateTime.UtcNow >= deadline)
            {
                return (baseAnswer, grayAnswer);
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    private static async Task<string> AnswerAsync(HttpClient client, bool gray, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/a");
        if (gray)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", "xiaoming");
        }

        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            return await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"(no answer within {client.Timeout.TotalSeconds} s)";
        }
        catch (HttpRequestException ex)
        {
            return $"(no answer: {ex.Message})";
        }
    }

    /// <summary>The first child that stopped on its own, if any.</summary>
    public ChildProcess? ExitedChild() => _children.FirstOrDefault(c => c.HasExited);

    public void Dispose()
    {
        foreach (var child in _children)
        {
            child.Dispose();
        }

        _children.Clear();
    }

    private async Task WaitHealthyAsync(HttpClient probe, ChildProcess child, int port, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + s_startTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (child.HasExited)
            {
                throw new DemoException($"{child.Label} (port {port}) exited with code {child.ExitCode} while starting:\n{child.RecentOutput()}");
            }

            try
            {
                using var response = await probe.GetAsync(new Uri($"{Url(port)}/healthz"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Probe timed out; try again.
            }

            await Task.Delay(150, cancellationToken);
        }

        throw new DemoException($"{child.Label} (port {port}) did not become healthy within {s_startTimeout.TotalSeconds} s:\n{child.RecentOutput()}");
    }

    private List<string> CatalogArguments()
    {
        var args = new List<string>();
        var indexes = new Dictionary<string, int>();
        foreach (var service in Services)
        {
            var index = indexes[service.ServiceName] = indexes.GetValueOrDefault(service.ServiceName, -1) + 1;
            var key = $"--Lanes:Services:{service.ServiceName}:{index.ToString(CultureInfo.InvariantCulture)}";
            args.Add($"{key}:Url={Url(service.Port)}");
            if (service.Lane is not null)
            {
                args.Add($"{key}:Lane={service.Lane}");
            }
        }

        return args;
    }

    // Every host uses Nacos for discovery; services also register, on loopback, under their service name.
    private List<string> NacosArguments(string? registerAs)
    {
        var args = new List<string> { "--Lanes:Nacos:ServerAddresses:0=" + _options.Nacos };
        if (registerAs is null)
        {
            args.Add("--Lanes:Nacos:Registration:Enabled=false");
        }
        else
        {
            args.Add("--Lanes:Nacos:Registration:ServiceName=" + registerAs);
            args.Add("--Lanes:Nacos:Registration:Ip=127.0.0.1");
        }

        return args;
    }

    // Children stop when the demo goes away, even killed with SIGKILL: they watch the pipe the demo holds to their input.
    private const string StopWithDemo = "--Sample:StopWithParent=true";

    private IEnumerable<string> LogArguments() => _options.Verbose
        ? []
        : ["--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning"];

    private static string Url(int port) => $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";

    private static string PathOf(string key)
    {
        var path = typeof(DemoChain).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
        return File.Exists(path)
            ? path
            : throw new DemoException($"The sample host {path} is missing; build with 'dotnet build samples/Lanes.Demo'.");
    }

    private static void CheckPortFree(int port, string option)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
        }
        catch (SocketException ex)
        {
            throw new DemoException($"Port {port} on 127.0.0.1 is already in use ({ex.SocketErrorCode}); choose other ports with {option}.");
        }
    }
}

/// <summary>One host of the chain.</summary>
internal sealed record ServiceHost(string Name, string ServiceName, string? Lane, int Port, string? Next, bool ShowConfig)
{
    public string Label => $"{Name}{Lane}";
}

/// <summary>A failure the demo explains to the user without a stack trace.</summary>
internal sealed class DemoException(string message) : Exception(message);
