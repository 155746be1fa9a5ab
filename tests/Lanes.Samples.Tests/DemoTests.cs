using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace Lanes.Samples.Tests;

/// <summary>The demo as a user runs it: a separate process that starts six more.</summary>
public class DemoTests
{
    private static readonly string DemoPath = typeof(DemoTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Lanes.Samples.Tests.DemoPath").Value!;

    [Fact]
    public async Task Once_PrintsBaseAndGrayAnswers_AndLeavesNothingRunning()
    {
        var (gatewayPort, servicePort) = FreePorts();

        var (exitCode, output) = await RunDemoAsync("--once", "--gateway-port", gatewayPort.ToString(), "--service-port", servicePort.ToString());

        Assert.True(exitCode == 0, output);
        Assert.Contains($"A[127.0.0.1:{servicePort}][config=base] -> B[127.0.0.1:{servicePort + 2}] -> C[127.0.0.1:{servicePort + 3}]", output, StringComparison.Ordinal);
        Assert.Contains($"Agray[127.0.0.1:{servicePort + 1}][config=base] -> B[127.0.0.1:{servicePort + 2}] -> Cgray[127.0.0.1:{servicePort + 4}]", output, StringComparison.Ordinal);
        Assert.All(Enumerable.Range(servicePort, 5).Append(gatewayPort), port => Assert.True(IsFree(port), $"port {port} is still held after the demo exited"));
    }

    [Fact]
    public async Task KilledWithSigkill_TakesItsChildrenWithIt()
    {
        var (gatewayPort, servicePort) = FreePorts();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { DemoPath, "--gateway-port", gatewayPort.ToString(), "--service-port", servicePort.ToString() })
        {
            info.ArgumentList.Add(arg);
        }

        using var demo = Process.Start(info)!;
        var children = new List<int>();
        try
        {
            var serving = new TaskCompletionSource();
            demo.OutputDataReceived += (_, e) =>
            {
                if (e.Data?.StartsWith("Serving.", StringComparison.Ordinal) == true)
                {
                    serving.TrySetResult();
                }
            };
            demo.BeginOutputReadLine();
            demo.BeginErrorReadLine();
            await serving.Task.WaitAsync(TimeSpan.FromMinutes(3));
            children.AddRange(ChildrenOf(demo.Id));
            Assert.Equal(6, children.Count);

            demo.Kill();   // SIGKILL: the demo runs no code of its own on the way out
            await demo.WaitForExitAsync();

            var ports = Enumerable.Range(servicePort, 5).Append(gatewayPort).ToArray();
            for (var i = 0; i < 600 && !(children.All(HasExited) && ports.All(IsFree)); i++)
            {
                await Task.Delay(100);
            }

            Assert.All(children, pid => Assert.True(HasExited(pid), $"child {pid} outlived the demo"));
            Assert.All(ports, port => Assert.True(IsFree(port), $"port {port} is still held after the demo was killed"));
        }
        finally
        {
            // Whatever this test started and is still there goes, by id.
            foreach (var pid in children.Where(pid => !HasExited(pid)))
            {
                try
                {
                    Process.GetProcessById(pid).Kill();
                }
                catch (ArgumentException)
                {
                    // Gone meanwhile.
                }
            }

            if (!demo.HasExited)
            {
                demo.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Once_WithNacosDiscovery_RoutesBaseAndGrayThroughNacos()
    {
        using var nacos = new Lanes.Nacos.Tests.Infrastructure.StatefulFakeNacos();
        var (gatewayPort, servicePort) = FreePorts();

        var (exitCode, output) = await RunDemoAsync("--once", "--discovery", "nacos", "--nacos", nacos.Address,
            "--gateway-port", gatewayPort.ToString(), "--service-port", servicePort.ToString());

        Assert.True(exitCode == 0, output);
        Assert.Contains($"Agray[127.0.0.1:{servicePort + 1}][config=base] -> B[127.0.0.1:{servicePort + 2}] -> Cgray[127.0.0.1:{servicePort + 4}]", output, StringComparison.Ordinal);

        // Children are stopped gracefully, so they deregistered on the way out.
        Assert.All(new[] { "sample-a", "sample-b", "sample-c" }, s => Assert.Equal(0, nacos.InstanceCount("DEFAULT_GROUP@@" + s)));
    }

    [Fact]
    public async Task RulesDir_AStrategyFileDroppedInTakesEffectLive_RemovingItEndsIt_AndTokensOpenTheLane()
    {
        var (gatewayPort, servicePort) = FreePorts();
        var rules = Directory.CreateTempSubdirectory("lanes-demo-rules-");
        using var gateway = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gatewayPort}"), Timeout = TimeSpan.FromSeconds(10) };
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { DemoPath, "--gateway-port", gatewayPort.ToString(), "--service-port", servicePort.ToString(), "--rules-dir", rules.FullName })
        {
            info.ArgumentList.Add(arg);
        }

        using var demo = Process.Start(info)!;
        var output = new System.Text.StringBuilder();
        var serving = new TaskCompletionSource();
        demo.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data?.StartsWith("Serving.", StringComparison.Ordinal) == true)
            {
                serving.TrySetResult();
            }
        };
        demo.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        demo.BeginOutputReadLine();
        demo.BeginErrorReadLine();
        try
        {
            await serving.Task.WaitAsync(TimeSpan.FromMinutes(3));
            var baseChain = $"A[127.0.0.1:{servicePort}]";
            var grayChain = $"Agray[127.0.0.1:{servicePort + 1}][config=base] -> B[127.0.0.1:{servicePort + 2}] -> Cgray[127.0.0.1:{servicePort + 4}]";
            Assert.StartsWith(baseChain, await AskAsync(gateway, ("x-mse-tag", "gray")), StringComparison.Ordinal);
            Assert.StartsWith(baseChain, await AskAsync(gateway, ("User-Agent", "zhangsan")), StringComparison.Ordinal);

            var file = Path.Combine(rules.FullName, "zhangsan.json");
            File.WriteAllText(file + ".tmp", """{"matches":[{"headers":[{"type":"Exact","name":"User-Agent","value":"zhangsan"}]}],"requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]}}""");
            File.Move(file + ".tmp", file);
            await UntilAsync(gateway, ("User-Agent", "zhangsan"), grayChain);

            File.Delete(file);
            await UntilAsync(gateway, ("User-Agent", "zhangsan"), baseChain);

            var (exitCode, token) = await RunDemoAsync("token", "--lane", "gray", "--subject", "tester");
            Assert.Equal(0, exitCode);
            Assert.Equal(grayChain, await AskAsync(gateway, ("lanes-token", token.Trim())));
        }
        finally
        {
            // SIGTERM, as Ctrl+C would: the demo stops its children before it exits.
            using (var kill = Process.Start("kill", ["-TERM", demo.Id.ToString()]))
            {
                await kill.WaitForExitAsync();
            }

            if (!demo.WaitForExit(60_000))
            {
                demo.Kill(entireProcessTree: true);
            }

            rules.Delete(recursive: true);
        }

        Assert.All(Enumerable.Range(servicePort, 5).Append(gatewayPort), port => Assert.True(IsFree(port), $"port {port} is still held after the demo exited"));
    }

    private static async Task<string> AskAsync(HttpClient gateway, (string Name, string Value) header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/a");
        request.Headers.TryAddWithoutValidation(header.Name, header.Value);
        using var response = await gateway.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task UntilAsync(HttpClient gateway, (string Name, string Value) header, string expectedStart)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!(await AskAsync(gateway, header)).StartsWith(expectedStart, StringComparison.Ordinal))
        {
            await Task.Delay(50, deadline.Token);
        }
    }

    [Fact]
    public async Task Once_WithNacosDiscoveryOverGrpc_RoutesBaseAndGray_AndEveryInstanceCarriesMseMetadata()
    {
        await using var nacos = await Lanes.Nacos.StandIn.NacosStandIn.StartAsync();
        var (gatewayPort, servicePort) = FreePorts();

        // gRPC chosen outright: Auto may settle on the v3 HTTP API when a heavily loaded machine makes the gRPC handshake
        // slower than its probe allows, and this test is about the gRPC path.
        var (exitCode, output) = await RunDemoAsync(
            new Dictionary<string, string> { ["Lanes__Nacos__Transport"] = "Grpc" },
            "--once", "--discovery", "nacos", "--nacos", nacos.Address, "--gateway-port", gatewayPort.ToString(), "--service-port", servicePort.ToString());

        Assert.True(exitCode == 0, output);
        Assert.Contains($"A[127.0.0.1:{servicePort}][config=base] -> B[127.0.0.1:{servicePort + 2}] -> C[127.0.0.1:{servicePort + 3}]", output, StringComparison.Ordinal);
        Assert.Contains($"Agray[127.0.0.1:{servicePort + 1}][config=base] -> B[127.0.0.1:{servicePort + 2}] -> Cgray[127.0.0.1:{servicePort + 4}]", output, StringComparison.Ordinal);

        // Five instances registered over gRPC (bound to their connections), each tagged with its lane as MSE tags it.
        var registrations = nacos.Registrations;
        Assert.Equal(5, registrations.Count);
        Assert.True(registrations.All(r => r.Instance.ConnectionId is not null), output);
        // Five services and the gateway each set up a connection (more when a busy machine made a health check miss and a
        // client reconnected, as the Java client does too).
        Assert.InRange(nacos.Received("ConnectionSetupRequest"), 6, 60);
        foreach (var (service, instance) in registrations)
        {
            var gray = instance.Port is var port && (port == servicePort + 1 || port == servicePort + 4);
            if (gray)
            {
                Assert.Equal("gray", instance.Metadata["opensergo.io/canary-gray"]);
                Assert.Equal("gray", instance.Metadata["alicloud.service.tag"]);
                Assert.False(instance.Metadata.ContainsKey("opensergo.io/canary"));
            }
            else
            {
                Assert.Equal(string.Empty, instance.Metadata["opensergo.io/canary"]);
                Assert.False(instance.Metadata.ContainsKey("alicloud.service.tag"));
            }

            Assert.StartsWith("DEFAULT_GROUP@@sample-", service, StringComparison.Ordinal);
        }

        // Children stop gracefully: every instance left the registry.
        Assert.All(new[] { "sample-a", "sample-b", "sample-c" }, s => Assert.Empty(nacos.Instances(s)));
    }

    [Theory]
    [InlineData("--discovery", "nacos")]
    [InlineData("--discovery", "eureka")]
    [InlineData("--nacos", "not-a-url")]
    public async Task BadDiscoveryOptions_PrintUsage(string option, string value)
    {
        var (exitCode, output) = await RunDemoAsync(option, value);

        Assert.Equal(2, exitCode);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BusyPort_IsAClearError()
    {
        var (gatewayPort, servicePort) = FreePorts();
        using var squatter = new TcpListener(IPAddress.Loopback, servicePort + 2);
        squatter.Start();

        var (exitCode, output) = await RunDemoAsync("--once", "--gateway-port", gatewayPort.ToString(), "--service-port", servicePort.ToString());

        Assert.Equal(1, exitCode);
        Assert.Contains($"Port {servicePort + 2} on 127.0.0.1 is already in use", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownOption_PrintsUsage()
    {
        var (exitCode, output) = await RunDemoAsync("--bogus");

        Assert.Equal(2, exitCode);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
    }

    private static Task<(int ExitCode, string Output)> RunDemoAsync(params string[] args) => RunDemoAsync(environment: new Dictionary<string, string>(), args);

    // The demo's children inherit its environment, so configuration given here reaches every service and the gateway.
    private static async Task<(int ExitCode, string Output)> RunDemoAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        info.ArgumentList.Add(DemoPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    // A gateway port and five consecutive service ports that are free right now. Below Linux's ephemeral range
    // (32768-60999 by default), where the outgoing connections of the other tests' processes cannot take them
    // between this check and the demo's bind.
    private static (int Gateway, int FirstService) FreePorts()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var first = Random.Shared.Next(20_000, 32_000);
            var gateway = first + 10;
            if (Enumerable.Range(first, 5).Append(gateway).All(IsFree))
            {
                return (gateway, first);
            }
        }

        throw new InvalidOperationException("No free loopback ports found.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // The demo's direct children, from /proc (Linux, where CI runs).
    private static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;   // gone meanwhile, or not ours to read
            }

            // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) == parent)
            {
                yield return pid;
            }
        }
    }

    private static bool HasExited(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
