using Lanes.Nacos.StandIn;
using Xunit.Abstractions;

namespace Lanes.Nacos.Tests.EndToEnd;

/// <summary>The chain over gRPC: the stand-in pushes each change over the connection's stream.</summary>
public sealed class NacosGrpcChainTests(ITestOutputHelper output) : NacosChainTestsBase(output)
{
    private NacosStandIn _nacos = null!;

    protected override string NacosAddress => _nacos.Address;

    protected override NacosTransport Transport => NacosTransport.Grpc;

    protected override int Acks => _nacos.Acks;

    protected override async Task StartRegistryAsync() => _nacos = await NacosStandIn.StartAsync();

    protected override ValueTask StopRegistryAsync() => _nacos.DisposeAsync();

    protected override int InstanceCount(string service) => _nacos.Instances(service).Count;

    protected override void RemoveFromRegistry(string service, int port) => Assert.True(_nacos.Deregister(service, "127.0.0.1", port));

    protected override void OnDeregister(Action<int> action) => _nacos.OnDeregister = (_, _, port) => action(port);

    protected override void Configure(Dictionary<string, string?> config)
    {
        config["Lanes:Nacos:Transport"] = "Auto";
        config["Lanes:Nacos:Grpc:ConnectTimeout"] = "00:00:10";
        config["Lanes:Nacos:RequestTimeout"] = "00:00:10";
    }
}
