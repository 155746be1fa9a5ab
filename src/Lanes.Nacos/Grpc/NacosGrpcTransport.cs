using System.Collections.Concurrent;
using System.Text.Json;
using Lanes.Nacos.Client;
using Lanes.Nacos.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.Nacos.Grpc;

/// <summary>
/// Naming over Nacos's gRPC protocol: <c>InstanceRequest</c> registers and deregisters (ephemeral instances live as
/// long as the connection, so there are no heartbeats; persistent ones use <c>PersistentInstanceRequest</c>),
/// <c>SubscribeServiceRequest</c> answers the current list and makes the server push every change, and
/// <c>ServiceQueryRequest</c> reads without subscribing. Registered instances are remembered and registered again
/// after every reconnect.
/// </summary>
internal sealed partial class NacosGrpcTransport : INacosNamingTransport
{
    private readonly NacosGrpcConnection _connection;
    private readonly string _namespace;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, NacosInstance> _registered = new(StringComparer.Ordinal);

    public NacosGrpcTransport(NacosGrpcConnection connection, IOptions<NacosOptions> options, ILogger<NacosGrpcTransport> logger)
    {
        _connection = connection;
        _namespace = options.Value.NamespaceId;
        _logger = logger;
        connection.OnReconnected = RedoAsync;
    }

    public NacosTransport Kind => NacosTransport.Grpc;

    public bool UsesHeartbeats => false;

    public bool Pushes => true;

    public async Task RegisterAsync(NacosInstance instance, CancellationToken cancellationToken)
    {
        // Remembered first: should this attempt fail, the next reconnect (or the caller's retry) registers it.
        _registered[Key(instance)] = instance;
        await SendInstanceAsync(instance, "registerInstance", cancellationToken).ConfigureAwait(false);
    }

    public async Task DeregisterAsync(NacosInstance instance, CancellationToken cancellationToken)
    {
        _registered.TryRemove(Key(instance), out _);
        await SendInstanceAsync(instance, "deregisterInstance", cancellationToken).ConfigureAwait(false);
    }

    public Task<NacosBeatResult> BeatAsync(NacosInstance instance, CancellationToken cancellationToken) =>
        Task.FromResult(new NacosBeatResult(10200, null));

    public Task<PooledBuffer> QueryAsync(NacosServiceName service, CancellationToken cancellationToken) =>
        ServiceInfoAsync(
            NacosGrpcTypes.SubscribeServiceRequest,
            service,
            writer =>
            {
                WriteService(writer, service);
                writer.WriteString("clusters"u8, string.Empty);
                writer.WriteBoolean("subscribe"u8, true);
            },
            "subscribe to",
            cancellationToken);

    public async Task ProbeAsync(NacosServiceName service, CancellationToken cancellationToken)
    {
        using var answer = await ServiceInfoAsync(
            NacosGrpcTypes.ServiceQueryRequest,
            service,
            writer =>
            {
                WriteService(writer, service);
                writer.WriteString("cluster"u8, string.Empty);
                writer.WriteBoolean("healthyOnly"u8, false);
                writer.WriteNumber("udpPort"u8, 0);
            },
            "query",
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Registers every remembered instance again (after a reconnect: the server forgot them with the old connection).</summary>
    private async Task RedoAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var instance in _registered.Values)
        {
            await SendInstanceAsync(instance, "registerInstance", cancellationToken).ConfigureAwait(false);
            count++;
        }

        if (count > 0)
        {
            Log.Reregistered(_logger, count);
        }
    }

    private async Task<PooledBuffer> ServiceInfoAsync(string type, NacosServiceName service, Action<Utf8JsonWriter> fields, string operation, CancellationToken cancellationToken)
    {
        var (body, answer) = await _connection.RequestAsync(type, service, fields, $"{operation} '{service.Grouped}'", cancellationToken).ConfigureAwait(false);
        if (answer.ServiceInfoStart < 0)
        {
            throw new NacosException($"Nacos answered '{operation} {service.Grouped}' without a serviceInfo.", transient: false);
        }

        return PooledBuffer.Copy(body.Span.Slice(answer.ServiceInfoStart, answer.ServiceInfoLength));
    }

    private Task SendInstanceAsync(NacosInstance instance, string type, CancellationToken cancellationToken) =>
        _connection.RequestAsync(
            instance.Ephemeral ? NacosGrpcTypes.InstanceRequest : NacosGrpcTypes.PersistentInstanceRequest,
            instance.Service,
            writer =>
            {
                WriteService(writer, instance.Service);
                writer.WriteString("type"u8, type);
                writer.WriteStartObject("instance"u8);
                writer.WriteString("ip"u8, instance.Ip);
                writer.WriteNumber("port"u8, instance.Port);
                writer.WriteNumber("weight"u8, instance.Weight);
                writer.WriteBoolean("healthy"u8, true);
                writer.WriteBoolean("enabled"u8, instance.Enabled);
                writer.WriteBoolean("ephemeral"u8, instance.Ephemeral);
                writer.WriteString("clusterName"u8, instance.ClusterName);
                writer.WriteString("serviceName"u8, instance.Service.Name);
                writer.WriteStartObject("metadata"u8);
                foreach (var (key, value) in instance.Metadata)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            },
            $"{(type == "registerInstance" ? "register" : "deregister")} {instance.Ip}:{instance.Port} in '{instance.Service.Grouped}'",
            cancellationToken);

    private void WriteService(Utf8JsonWriter writer, NacosServiceName service)
    {
        writer.WriteString("namespace"u8, _namespace);
        writer.WriteString("serviceName"u8, service.Name);
        writer.WriteString("groupName"u8, service.Group);
    }

    private static string Key(NacosInstance instance) => $"{instance.Service.Grouped}|{instance.ClusterName}|{instance.Ip}:{instance.Port}";
}
