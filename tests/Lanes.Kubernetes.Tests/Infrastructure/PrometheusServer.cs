using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lanes.Kubernetes.Emulator;

namespace Lanes.Kubernetes.Tests.Infrastructure;

/// <summary>
/// Debian's real <c>prometheus</c> (<c>bash eng/install-tools.sh prometheus</c>) on loopback, with a temporary config
/// and data directory, scraping the cluster's sample pods every second. Service discovery is a <c>file_sd</c> targets
/// file the test keeps in step with the emulator's pods, as Prometheus' Kubernetes discovery would (one target per pod
/// with an address, job = the pod's <c>app</c> label; Debian's build has no <c>kubernetes_sd_configs</c>).
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    public const string Missing = "prometheus is not installed: this test scrapes the sample pods with the real Prometheus. Install it with 'bash eng/install-tools.sh prometheus' (.ci/run does).";

    private static readonly string[] s_apps = ["sample-a", "sample-b", "sample-c", "lanes-gateway"];

    private readonly string _directory = Directory.CreateTempSubdirectory("lanes-prometheus-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Lock _targetsLock = new();
    private readonly List<string> _output = [];
    private SampleCluster? _cluster;
    private Process? _process;
    private string _targets = "";

    private PrometheusServer()
    {
    }

    /// <summary>The binary: in artifacts/tools/bin, then on PATH; null when neither has it.</summary>
    public static string? Executable { get; } = FindTool("prometheus");

    public Uri Address { get; private set; } = null!;

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts Prometheus scraping <paramref name="cluster"/>'s sample pods and waits for its readiness.</summary>
    public static async Task<PrometheusServer> StartAsync(SampleCluster cluster)
    {
        var server = new PrometheusServer();
        try
        {
            server._cluster = cluster;
            cluster.Store.Changed += server.OnStoreChanged;
            server.WriteTargets();
            await server.StartProcessAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>An instant query's result (<c>data.result</c>), or null while Prometheus cannot answer.</summary>
    public async Task<JsonArray?> QueryAsync(string query)
    {
        try
        {
            var json = await _http.GetStringAsync(new Uri(Address, "api/v1/query?query=" + Uri.EscapeDataString(query)));
            return JsonNode.Parse(json)?["data"]?["result"] as JsonArray;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    /// <summary>The first value of an instant query, or null (no answer, an empty result).</summary>
    public async Task<double?> ScalarAsync(string query) =>
        await QueryAsync(query) is [{ } first, ..] && first["value"]?[1]?.GetValue<string>() is { } text
            ? double.Parse(text, CultureInfo.InvariantCulture)
            : null;

    /// <summary>Stops Prometheus (SIGKILL, as a crashed server), leaving its address unanswered.</summary>
    public void Stop()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
    }

    public string Describe()
    {
        lock (_output)
        {
            return $"prometheus at {Address} (running {IsRunning}), targets {_targets}{Environment.NewLine}{string.Join(Environment.NewLine, _output.TakeLast(20))}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            _cluster.Store.Changed -= OnStoreChanged;
        }

        Stop();
        _process?.Dispose();
        _http.Dispose();
        await Task.Yield();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the OS cleans its temp folder.
        }
    }

    private async Task StartProcessAsync()
    {
        var executable = Executable ?? throw new InvalidOperationException(Missing);
        var config = Path.Combine(_directory, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
            - job_name: pods
              file_sd_configs:
              - files: ['{Path.Combine(_directory, "targets.json")}']
                refresh_interval: 1s
            """);

        // A free port, then Prometheus binds it: another process may take it in between, so a failed start tries again.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            Address = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
            var info = new ProcessStartInfo(executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = _directory,
            };
            foreach (var arg in new[]
            {
                "--config.file=" + config,
                "--storage.tsdb.path=" + Path.Combine(_directory, "data-" + attempt.ToString(CultureInfo.InvariantCulture)),
                "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
                "--storage.tsdb.retention.time=1h",
                "--log.level=warn",
            })
            {
                info.ArgumentList.Add(arg);
            }

            _process = new Process { StartInfo = info };
            _process.OutputDataReceived += (_, e) => Keep(e.Data);
            _process.ErrorDataReceived += (_, e) => Keep(e.Data);
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();

            var started = Stopwatch.StartNew();
            while (started.Elapsed < TimeSpan.FromSeconds(30) && !_process.HasExited)
            {
                try
                {
                    using var ready = await _http.GetAsync(new Uri(Address, "-/ready"));
                    if (ready.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Not listening yet.
                }

                await Task.Delay(50);
            }

            Stop();
            _process.Dispose();
            _process = null;
            if (attempt == 3)
            {
                throw new InvalidOperationException("prometheus did not become ready: " + Describe());
            }
        }
    }

    private void OnStoreChanged(WatchEvent change)
    {
        if (change.Key.Type == ResourceType.Pods)
        {
            WriteTargets();
        }
    }

    // One target per pod of the sample apps that has an address, in file_sd's JSON; replaced by a rename so that
    // Prometheus never reads half a file.
    private void WriteTargets()
    {
        lock (_targetsLock)
        {
            var groups = new JsonArray();
            foreach (var app in s_apps)
            {
                foreach (var pod in _cluster!.Pods(app))
                {
                    if (SampleCluster.Ip(pod) is { Length: > 0 } ip && pod["metadata"]?["deletionTimestamp"] is null)
                    {
                        groups.Add(new JsonObject
                        {
                            ["targets"] = new JsonArray(ip + ":8080"),
                            ["labels"] = new JsonObject { ["job"] = app, ["pod"] = SampleCluster.Name(pod) },
                        });
                    }
                }
            }

            var text = groups.ToJsonString();
            if (text == _targets)
            {
                return;
            }

            _targets = text;
            var temporary = Path.Combine(_directory, "targets.json.tmp");
            File.WriteAllText(temporary, text);
            File.Move(temporary, Path.Combine(_directory, "targets.json"), overwrite: true);
        }
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Add(line);
                if (_output.Count > 200)
                {
                    _output.RemoveAt(0);
                }
            }
        }
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static string? FindTool(string name)
    {
        var candidates = new List<string> { Path.Combine(RepositoryRoot(), "artifacts", "tools", "bin", name) };
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            candidates.Add(Path.Combine(directory, name));
        }

        return candidates.FirstOrDefault(File.Exists);
    }

    private static string RepositoryRoot() => Path.GetFullPath(typeof(PrometheusServer).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Lanes.Kubernetes.Tests.RepositoryRoot").Value!);
}

/// <summary>A fact that needs the real Prometheus: skipped, saying how to install it, only when it is absent.</summary>
internal sealed class PrometheusFactAttribute : FactAttribute
{
    public PrometheusFactAttribute()
    {
        if (PrometheusServer.Executable is null)
        {
            Skip = PrometheusServer.Missing;
        }
    }
}
