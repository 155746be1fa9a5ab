using System.Globalization;
using Lanes.Samples.Gateway;
using Lanes.Samples.Service;
using Microsoft.AspNetCore.Builder;

namespace Lanes.Samples.Tests;

/// <summary>
/// The seed's topology in this process: every sample host on its own loopback Kestrel port,
/// started downstream first so each knows the next hop's instances.
/// </summary>
public sealed class SampleChain : IAsyncLifetime
{
    private readonly List<WebApplication> _apps = [];
    private readonly Dictionary<string, WebApplication> _byLabel = [];
    private readonly string[] _extraArgs;

    public SampleChain()
        : this([])
    {
    }

    /// <param name="extraArgs">Configuration given to every host, e.g. routing policies.</param>
    internal SampleChain(params string[] extraArgs) => _extraArgs = extraArgs;

    /// <summary>Configuration given to the gateway only, e.g. a rules directory.</summary>
    internal IReadOnlyList<string> GatewayArgs { get; init; } = [];

    public HttpClient Gateway { get; private set; } = null!;

    public Dictionary<string, int> Ports { get; } = [];

    public string ExpectedBase => $"A[127.0.0.1:{Ports["A"]}][config=base] -> B[127.0.0.1:{Ports["B"]}] -> C[127.0.0.1:{Ports["C"]}]";

    public string ExpectedGray => $"Agray[127.0.0.1:{Ports["Agray"]}][config=base] -> B[127.0.0.1:{Ports["B"]}] -> Cgray[127.0.0.1:{Ports["Cgray"]}]";

    public async Task InitializeAsync()
    {
        var c = await StartServiceAsync("C", lane: null, next: null, []);
        var cGray = await StartServiceAsync("C", lane: "gray", next: null, []);
        var b = await StartServiceAsync("B", lane: null, next: "http://sample-c/c", Catalog("sample-c", (c, null), (cGray, "gray")));
        var catalogB = Catalog("sample-b", (b, null));
        var a = await StartServiceAsync("A", lane: null, next: "http://sample-b/b", catalogB, showConfig: true);
        var aGray = await StartServiceAsync("A", lane: "gray", next: "http://sample-b/b", catalogB, showConfig: true);

        var gatewayArgs = new List<string> { "--urls", "http://127.0.0.1:0", "--contentRoot", AppContext.BaseDirectory };
        gatewayArgs.AddRange(Catalog("sample-a", (a, null), (aGray, "gray")));
        gatewayArgs.AddRange(Quiet);
        gatewayArgs.AddRange(_extraArgs);
        gatewayArgs.AddRange(GatewayArgs);
        var gateway = SampleGateway.CreateApp([.. gatewayArgs]);
        await gateway.StartAsync();
        _apps.Add(gateway);
        Gateway = new HttpClient { BaseAddress = new Uri(gateway.Urls.Single()) };

        Ports["A"] = a;
        Ports["Agray"] = aGray;
        Ports["B"] = b;
        Ports["C"] = c;
        Ports["Cgray"] = cGray;
    }

    /// <summary>Stops one host (for example "Cgray"), as if its pod went away.</summary>
    public Task StopAsync(string label) => _byLabel[label].StopAsync();

    public async Task DisposeAsync()
    {
        Gateway?.Dispose();
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
    }

    private static readonly string[] Quiet = ["--Logging:LogLevel:Default=Warning"];

    // Services run as their own processes in production, each with its own content root; here they share one process.
    private static readonly string s_serviceContentRoot = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "service-content-root")).FullName;

    private async Task<int> StartServiceAsync(string name, string? lane, string? next, IEnumerable<string> catalog, bool showConfig = false)
    {
        var args = new List<string>
        {
            "--urls", "http://127.0.0.1:0",
            "--contentRoot", s_serviceContentRoot,   // not the test folder, which holds the gateway's appsettings.json (entry rules)
            "--Sample:Name=" + name,
            "--Sample:ShowConfig=" + showConfig.ToString(CultureInfo.InvariantCulture),
            "--Lanes:Lane=" + lane,
        };
        if (next is not null)
        {
            args.Add("--Sample:Next=" + next);
        }

        args.AddRange(catalog);
        args.AddRange(Quiet);
        args.AddRange(_extraArgs);
        var app = SampleService.CreateApp([.. args]);
        await app.StartAsync();
        _apps.Add(app);
        _byLabel[name + lane] = app;
        return new Uri(app.Urls.Single()).Port;
    }

    private static List<string> Catalog(string service, params (int Port, string? Lane)[] instances)
    {
        var args = new List<string>();
        for (var i = 0; i < instances.Length; i++)
        {
            args.Add($"--Lanes:Services:{service}:{i}:Url=http://127.0.0.1:{instances[i].Port}");
            if (instances[i].Lane is { } lane)
            {
                args.Add($"--Lanes:Services:{service}:{i}:Lane={lane}");
            }
        }

        return args;
    }
}
