namespace Lanes.Nacos.Grpc;

/// <summary>The <c>metadata.type</c> names Nacos's gRPC protocol dispatches on (Java simple class names).</summary>
internal static class NacosGrpcTypes
{
    public const string ServerCheckRequest = "ServerCheckRequest";
    public const string ServerCheckResponse = "ServerCheckResponse";
    public const string ConnectionSetupRequest = "ConnectionSetupRequest";
    public const string SetupAckRequest = "SetupAckRequest";
    public const string HealthCheckRequest = "HealthCheckRequest";
    public const string ErrorResponse = "ErrorResponse";
    public const string InstanceRequest = "InstanceRequest";
    public const string PersistentInstanceRequest = "PersistentInstanceRequest";
    public const string SubscribeServiceRequest = "SubscribeServiceRequest";
    public const string ServiceQueryRequest = "ServiceQueryRequest";
    public const string NotifySubscriberRequest = "NotifySubscriberRequest";
    public const string NotifySubscriberResponse = "NotifySubscriberResponse";
    public const string ClientDetectionRequest = "ClientDetectionRequest";
    public const string ClientDetectionResponse = "ClientDetectionResponse";
    public const string ConnectResetRequest = "ConnectResetRequest";
    public const string ConnectResetResponse = "ConnectResetResponse";

    /// <summary>Connection is unregistered: the server does not (or no longer) know this connection; reconnect.</summary>
    public const int UnregisteredConnection = 301;

    /// <summary>The server is starting and refuses requests.</summary>
    public const int InvalidServerStatus = 300;

    /// <summary>No right: authentication failed or is missing.</summary>
    public const int NoRight = 403;
}
