using System.Text.Json.Nodes;
using Grpc.Core;
using Lanes.Nacos.StandIn.Protocol;

namespace Lanes.Nacos.StandIn;

/// <summary>
/// The <c>BiRequestStream</c> service (GrpcBiStreamRequestAcceptor): a <c>ConnectionSetupRequest</c> registers the
/// connection (confirmed with a <c>SetupAckRequest</c> when the client sent an ability table), responses to server
/// requests complete them, and the connection's end removes its ephemeral instances.
/// </summary>
internal sealed class BiStreamService(NacosStandIn server) : BiRequestStream.BiRequestStreamBase
{
    public override async Task requestBiStream(IAsyncStreamReader<Payload> requestStream, IServerStreamWriter<Payload> responseStream, ServerCallContext context)
    {
        var connectionId = context.GetHttpContext().Connection.Id;
        var state = server.State;
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, server.Stopping);
        StandInConnection? connection = null;
        try
        {
            while (await requestStream.MoveNext(closed.Token))
            {
                var payload = requestStream.Current;
                var type = payload.Metadata?.Type ?? string.Empty;
                server.Count(type);
                var body = Wire.Body(payload);
                if (type == "ConnectionSetupRequest" && body is not null && connection is null)
                {
                    var labels = new Dictionary<string, string>(StringComparer.Ordinal);
                    if (body["labels"] is JsonObject labelObject)
                    {
                        foreach (var (key, value) in labelObject)
                        {
                            labels[key] = value?.ToString() ?? string.Empty;
                        }
                    }

                    connection = new StandInConnection(connectionId, responseStream, Wire.Text(body, "clientVersion") ?? string.Empty, Wire.Text(body, "tenant"), labels, closed.Token);
                    state.Register(connection);
                    if (body["abilityTable"] is JsonObject && server.Options.AbilityNegotiation)
                    {
                        await connection.WriteAsync(Wire.Payload("SetupAckRequest", new JsonObject
                        {
                            ["abilityTable"] = new JsonObject { ["supportPersistentInstanceByGrpc"] = true },
                            ["module"] = "internal",
                        }));
                    }
                }
                else if (connection is not null && body is not null && type.EndsWith("Response", StringComparison.Ordinal))
                {
                    server.Responded(type);
                    connection.Complete(Wire.Text(body, "requestId"), payload);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException or RpcException)
        {
            // The client went away or the server is stopping.
        }
        finally
        {
            if (connection is not null)
            {
                state.Unregister(connectionId);
            }
        }
    }
}
