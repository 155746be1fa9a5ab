using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Grpc.Core;
using Lanes.Nacos.StandIn.Protocol;

namespace Lanes.Nacos.StandIn;

/// <summary>
/// The unary <c>Request</c> service (GrpcRequestAcceptor): a server check answers the TCP connection's id; every
/// other request needs a connection registered by its setup (else error 301), a handler for its type (else 302),
/// a readable body (else 502) and, with authentication on, a token or signature (else the handler's response with
/// error 403).
/// </summary>
internal sealed class RequestService(NacosStandIn server) : Protocol.Request.RequestBase
{
    public override async Task<Payload> request(Payload request, ServerCallContext context) => await HandleAsync(request, context);

    private async ValueTask<Payload> HandleAsync(Payload request, ServerCallContext context)
    {
        var connectionId = context.GetHttpContext().Connection.Id;
        var type = request.Metadata?.Type ?? string.Empty;
        server.Count(type);
        var state = server.State;
        if (type == "ServerCheckRequest")
        {
            return Wire.Response("ServerCheckResponse", new JsonObject
            {
                ["connectionId"] = connectionId,
                ["supportAbilityNegotiation"] = server.Options.AbilityNegotiation,
            });
        }

        var responseType = type switch
        {
            "HealthCheckRequest" => "HealthCheckResponse",
            "InstanceRequest" or "PersistentInstanceRequest" => "InstanceResponse",
            "SubscribeServiceRequest" => "SubscribeServiceResponse",
            "ServiceQueryRequest" => "QueryServiceResponse",
            _ => null,
        };
        if (responseType is null)
        {
            return Wire.Error("ErrorResponse", 302, "RequestHandler Not Found");
        }

        if (!state.IsRegistered(connectionId))
        {
            return Wire.Error("ErrorResponse", 301, "Connection is unregistered.");
        }

        if (Wire.Body(request) is not { } body)
        {
            return Wire.Error("ErrorResponse", 502, "Invalid request");
        }

        if (type == "HealthCheckRequest")
        {
            return Wire.Response(responseType);
        }

        var headers = request.Metadata!.Headers;
        if (server.Auth.Check(name => headers.TryGetValue(name, out var value) ? value : null) is { } denied)
        {
            return Wire.Error(responseType, 403, denied);
        }

        var key = NamingState.Key(Wire.Text(body, "namespace"), Wire.Text(body, "groupName") ?? "DEFAULT_GROUP", Wire.Text(body, "serviceName") ?? string.Empty);
        var connection = state.Connections.FirstOrDefault(c => c.Id == connectionId)!;
        switch (type)
        {
            case "InstanceRequest":
            case "PersistentInstanceRequest":
                var operation = Wire.Text(body, "type");
                if (StandInInstance.FromJson(body["instance"], type == "InstanceRequest" ? connectionId : null) is not { } instance)
                {
                    return Wire.Error(responseType, 400, "instance ip and port are required");
                }

                if (operation == "registerInstance")
                {
                    if (server.RegistrationDelay?.Invoke(Wire.Text(body, "serviceName") ?? string.Empty, instance) is { } delay && delay > TimeSpan.Zero)
                    {
                        await Task.Delay(delay, context.CancellationToken);
                    }

                    state.Upsert(key, instance);
                }
                else
                {
                    server.OnDeregister?.Invoke(Wire.Text(body, "serviceName") ?? string.Empty, instance.Ip, instance.Port);
                    state.Remove(key, instance.Ip, instance.Port, instance.ClusterName);
                }

                return Wire.Response(responseType, new JsonObject { ["type"] = operation });
            case "SubscribeServiceRequest":
                state.Subscribe(connection, key, body["subscribe"]?.GetValue<bool>() ?? true);
                return Wire.Response(responseType, new JsonObject { ["serviceInfo"] = state.ServiceInfo(key) });
            default:
                return Wire.Response(responseType, new JsonObject { ["serviceInfo"] = state.ServiceInfo(key) });
        }
    }
}
