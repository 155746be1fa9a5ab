using Lanes.Nacos.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Lanes.Nacos.Tests.EndToEnd;

/// <summary>The chain over the v1 open API: a WireMock Nacos that pushes over UDP.</summary>
public sealed class NacosChainTests(ITestOutputHelper output) : NacosChainTestsBase(output)
{
    private readonly StatefulFakeNacos _nacos = new();

    protected override string NacosAddress => _nacos.Address;

    protected override NacosTransport Transport => NacosTransport.V1;

    protected override int Acks => _nacos.Acks;

    protected override Task StartRegistryAsync() => Task.CompletedTask;

    protected override ValueTask StopRegistryAsync()
    {
        _nacos.Dispose();
        return ValueTask.CompletedTask;
    }

    protected override int InstanceCount(string service) => _nacos.InstanceCount("DEFAULT_GROUP@@" + service);

    protected override void RemoveFromRegistry(string service, int port) => _nacos.Remove("DEFAULT_GROUP@@" + service, "127.0.0.1", port);

    protected override void OnDeregister(Action<int> action) => _nacos.OnDeregister = (_, port) => action(port);

    protected override void Configure(Dictionary<string, string?> config)
    {
        config["Lanes:Nacos:Push:Enabled"] = "true";
        config["Lanes:Nacos:Push:BindAddress"] = "127.0.0.1";
        config["Lanes:Nacos:Push:ClientIp"] = "127.0.0.1";
    }
}
