using Lanes.Nacos.Client;
using Lanes.Nacos.StandIn;
using Lanes.Nacos.Subscriptions;
using Lanes.Nacos.Tests.Grpc;
using Lanes.Nacos.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;

namespace Lanes.Nacos.Tests.Transport;

/// <summary>Authentication on the v3 HTTP client API, as on gRPC: tokens, their renewal, signatures, and the clear refusal.</summary>
public sealed class NacosHttpTransportTests
{
    private static readonly NacosServiceName s_orders = new("DEFAULT_GROUP", "orders");

    [Fact]
    public async Task Login_PresentsTheToken_AndLogsInAgainWhenItIsRefused()
    {
        await using var nacos = await NacosStandIn.StartAsync(new NacosStandInOptions { Grpc = false, Users = new Dictionary<string, string> { ["nacos"] = "s3cret-pw" } });
        var config = StandInHosts.Config(nacos);
        config["Lanes:Nacos:Transport"] = "Http";
        config["Lanes:Nacos:UserName"] = "nacos";
        config["Lanes:Nacos:Password"] = "s3cret-pw";
        using var host = StandInHosts.Build(config, "checkout");
        await host.StartAsync();
        Assert.Single(nacos.Instances("checkout"));
        Assert.Equal(1, nacos.Logins);

        nacos.ExpireTokens();
        nacos.Register("orders", NacosGrpcTransportTests.Instance("10.0.0.1", 8080));
        var subscription = host.Services.GetRequiredService<NacosServiceCatalog>().Subscribe(s_orders)!;
        await subscription.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Single(subscription.Current.Endpoints);
        Assert.Equal(2, nacos.Logins);
        Assert.DoesNotContain(host.Services.GetFakeLogCollector().GetSnapshot(), r => r.Message.Contains("s3cret-pw", StringComparison.Ordinal));
        await host.StopAsync();
        Assert.Empty(nacos.Instances("checkout"));
    }

    [Fact]
    public async Task AccessKeySignature_IsAccepted()
    {
        await using var nacos = await NacosStandIn.StartAsync(new NacosStandInOptions { Grpc = false, AccessKeys = new Dictionary<string, string> { ["ak-1"] = "sk-1" } });
        var config = StandInHosts.Config(nacos);
        config["Lanes:Nacos:AccessKey"] = "ak-1";
        config["Lanes:Nacos:SecretKey"] = "sk-1";
        using var host = StandInHosts.Build(config, "checkout");
        await host.StartAsync();

        Assert.Equal(NacosTransport.Http, host.Services.GetRequiredService<NacosConnectionStatus>().Transport);
        Assert.Single(nacos.Instances("checkout"));
        await host.StopAsync();
    }

    [Fact]
    public async Task AuthenticationRequired_WithoutCredentials_StopsTheStart_NamingTheKeys()
    {
        await using var nacos = await NacosStandIn.StartAsync(new NacosStandInOptions { Grpc = false, Users = new Dictionary<string, string> { ["nacos"] = "pw" } });
        using var host = StandInHosts.Build(StandInHosts.Config(nacos), "checkout");

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("Lanes:Nacos:UserName and Lanes:Nacos:Password", ex.Message, StringComparison.Ordinal);
    }
}
