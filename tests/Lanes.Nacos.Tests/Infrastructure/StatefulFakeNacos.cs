using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Lanes.Nacos.Tests.Infrastructure;

/// <summary>
/// A WireMock Nacos that remembers registrations: <c>POST</c>/<c>DELETE /nacos/v1/ns/instance</c> change the
/// instance lists that <c>GET /nacos/v1/ns/instance/list</c> answers, and every change is pushed over UDP to the
/// subscribers that polled with <c>udpPort</c> and <c>clientIP</c>, as Nacos's UdpPushService does.
/// </summary>
internal sealed class StatefulFakeNacos : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, string>> _instances = new(StringComparer.Ordinal);   // service -> "ip:port" -> host JSON
    private readonly Dictionary<string, HashSet<IPEndPoint>> _subscribers = new(StringComparer.Ordinal);
    private readonly UdpClient _push = new(new IPEndPoint(IPAddress.Loopback, 0));
    private long _lastRefTime = 1;
    private int _acks;
    private int _registrations;

    public StatefulFakeNacos()
    {
        Fake = FakeNacos.Start();
        Fake.Server.Given(Request.Create().WithPath(FakeNacos.ListPath).UsingGet()).RespondWith(Response.Create()
            .WithHeader("Content-Type", "application/json").WithBody(List));
        Fake.Server.Given(Request.Create().WithPath(FakeNacos.InstancePath).UsingPost()).RespondWith(Response.Create().WithBody(Register));
        Fake.Server.Given(Request.Create().WithPath(FakeNacos.InstancePath).UsingDelete()).RespondWith(Response.Create().WithBody(Deregister));
        Fake.GivenBeat(10200, 5000);
        _ = Task.Run(ReceiveAcksAsync);
    }

    public FakeNacos Fake { get; }

    public string Address => Fake.Address;

    /// <summary>Runs inside the deregistration request, before the server answers it.</summary>
    public Action<string, int>? OnDeregister { get; set; }

    public int Acks => Volatile.Read(ref _acks);

    /// <summary>How many registrations (POST instance) the server has taken.</summary>
    public int Registrations => Volatile.Read(ref _registrations);

    public int InstanceCount(string groupedService)
    {
        lock (_gate)
        {
            return _instances.TryGetValue(groupedService, out var hosts) ? hosts.Count : 0;
        }
    }

    private string List(IRequestMessage request)
    {
        var service = Param(request, "serviceName")!;
        lock (_gate)
        {
            if (Param(request, "udpPort") is { } udpPort && Param(request, "clientIP") is { } clientIp)
            {
                if (!_subscribers.TryGetValue(service, out var subscribers))
                {
                    _subscribers[service] = subscribers = [];
                }

                subscribers.Add(new IPEndPoint(IPAddress.Parse(clientIp), int.Parse(udpPort, CultureInfo.InvariantCulture)));
            }

            return ServiceInfo(service);
        }
    }

    private string Register(IRequestMessage request)
    {
        var service = Param(request, "serviceName")!;
        var ip = Param(request, "ip")!;
        var port = Param(request, "port")!;
        var host = $$"""{"instanceId":"{{ip}}#{{port}}#DEFAULT#{{service}}","ip":"{{ip}}","port":{{port}},"weight":{{Param(request, "weight") ?? "1"}},"healthy":true,"enabled":{{Param(request, "enabled") ?? "true"}},"ephemeral":true,"clusterName":"DEFAULT","serviceName":"{{service}}","metadata":{{Param(request, "metadata") ?? "{}"}}}""";
        lock (_gate)
        {
            if (!_instances.TryGetValue(service, out var hosts))
            {
                _instances[service] = hosts = new Dictionary<string, string>(StringComparer.Ordinal);
            }

            hosts[$"{ip}:{port}"] = host;
            PushLocked(service);
        }

        Interlocked.Increment(ref _registrations);
        return "ok";
    }

    private string Deregister(IRequestMessage request)
    {
        var service = Param(request, "serviceName")!;
        var ip = Param(request, "ip")!;
        var port = int.Parse(Param(request, "port")!, CultureInfo.InvariantCulture);
        OnDeregister?.Invoke(ip, port);
        lock (_gate)
        {
            if (_instances.TryGetValue(service, out var hosts) && hosts.Remove($"{ip}:{port}"))
            {
                PushLocked(service);
            }
        }

        return "ok";
    }

    /// <summary>Removes an instance as a deregistration (or an operator in the console) would, and pushes the change.</summary>
    public void Remove(string groupedService, string ip, int port)
    {
        lock (_gate)
        {
            if (_instances.TryGetValue(groupedService, out var hosts) && hosts.Remove($"{ip}:{port}"))
            {
                PushLocked(groupedService);
            }
        }
    }

    private void PushLocked(string service)
    {
        if (!_subscribers.TryGetValue(service, out var subscribers))
        {
            return;
        }

        var packet = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["type"] = "dom", ["data"] = ServiceInfo(service), ["lastRefTime"] = _lastRefTime });
        foreach (var subscriber in subscribers)
        {
            _push.Send(packet, packet.Length, subscriber);
        }
    }

    private string ServiceInfo(string service)
    {
        _lastRefTime++;
        var group = service[..service.IndexOf("@@", StringComparison.Ordinal)];
        var hosts = _instances.TryGetValue(service, out var known) ? string.Join(",", known.Values) : string.Empty;
        return $$"""{"name":"{{service}}","groupName":"{{group}}","clusters":"","cacheMillis":1000,"hosts":[{{hosts}}],"lastRefTime":{{_lastRefTime}},"checksum":"","allIPs":false,"reachProtectionThreshold":false,"valid":true}""";
    }

    private async Task ReceiveAcksAsync()
    {
        while (true)
        {
            try
            {
                var received = await _push.ReceiveAsync();
                if (Encoding.UTF8.GetString(received.Buffer).Contains("push-ack", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _acks);
                }
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // An ICMP "port unreachable" from a stopped subscriber: keep listening.
            }
        }
    }

    private static string? Param(IRequestMessage request, string key) =>
        request.Query is { } query && query.TryGetValue(key, out var values) ? values[0] : null;

    public void Dispose()
    {
        _push.Dispose();
        Fake.Dispose();
    }
}
