namespace Lanes.Nacos;

/// <summary>The gRPC transport (<c>Lanes:Nacos:Grpc</c>), as the Nacos 2.x and 3.x SDKs use it.</summary>
public sealed class NacosGrpcOptions
{
    /// <summary>The client port's distance from the server's main port (Nacos's <c>nacos.server.grpc.port.offset</c>).</summary>
    /// <value>The default value is 1000 (8848 → 9848).</value>
    public int PortOffset { get; set; } = 1000;

    /// <summary>How long the server check of a new connection may take before the next server is tried.</summary>
    /// <value>The default value is 3 seconds.</value>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long a connection may stay idle before a health check proves it alive; a failed check reconnects.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(5);
}
