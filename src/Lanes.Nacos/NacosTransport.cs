namespace Lanes.Nacos;

/// <summary>The protocol Lanes speaks to Nacos (<c>Lanes:Nacos:Transport</c>).</summary>
public enum NacosTransport
{
    /// <summary>
    /// gRPC when the client port (main port + <see cref="NacosGrpcOptions.PortOffset"/>) answers, else the v3 HTTP client
    /// API (Nacos 3.x), else the v1 open API (Nacos 1.x). Decided at the first contact with a server.
    /// </summary>
    Auto,

    /// <summary>
    /// Nacos 2.x/3.x gRPC: ephemeral instances live as long as the connection (no heartbeats) and changes are pushed over
    /// the connection's stream.
    /// </summary>
    Grpc,

    /// <summary>Nacos 3.x's v3 HTTP client API (<c>/nacos/v3/client/ns/...</c>): heartbeats and polling, no push.</summary>
    Http,

    /// <summary>The v1 open API of Nacos 1.x (and of 2.x and 3.0/3.1): heartbeats, polling and UDP push.</summary>
    V1,
}
