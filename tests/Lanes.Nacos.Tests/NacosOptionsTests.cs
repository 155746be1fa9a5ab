using Lanes.Nacos.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace Lanes.Nacos.Tests;

public sealed class NacosOptionsTests
{
    [Fact]
    public async Task MissingServerAddress_FailsValidationNamingTheKey()
    {
        await using var provider = TestServices.Build(new Dictionary<string, string?>());

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<NacosOptions>>().Value);

        Assert.Contains("Lanes:Nacos:ServerAddresses", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidValues_FailValidationNamingTheirKeys()
    {
        var config = TestServices.Config("ftp://nacos:21");
        config["Lanes:Nacos:UserName"] = "nacos";
        config["Lanes:Nacos:Services:orders"] = "@@";
        config["Lanes:Nacos:RequestTimeout"] = "00:00:00";
        await using var provider = TestServices.Build(config);

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<NacosOptions>>().Value);

        Assert.Contains("Lanes:Nacos:ServerAddresses:0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Lanes:Nacos:Password", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Lanes:Nacos:Services:orders", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Lanes:Nacos:RequestTimeout", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http:/x")]
    [InlineData("not-a-url")]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("http//nacos:8848")]
    [InlineData("nacos:port")]
    [InlineData("nacos:0")]
    [InlineData("nacos:65536")]
    [InlineData("http://")]
    [InlineData("http://nacos:8848?x=1")]
    [InlineData("http://user:pw@nacos:8848")]
    [InlineData("tcp://nacos:8848")]
    public async Task ServerAddressTypo_StopsStartup_NamingTheKey(string address)
    {
        await using var provider = TestServices.Build(TestServices.Config(address));

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<NacosOptions>>().Value);

        Assert.Contains($"Lanes:Nacos:ServerAddresses:0: '{address}' is not a Nacos server address", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8848", "http://127.0.0.1:8848/nacos/")]
    [InlineData("https://nacos.example.com", "https://nacos.example.com/nacos/")]
    [InlineData("http://nacos", "http://nacos/nacos/")]
    [InlineData("nacos:8848", "http://nacos:8848/nacos/")]
    [InlineData(" 10.0.0.1:8848 ", "http://10.0.0.1:8848/nacos/")]
    [InlineData("[::1]:8848", "http://[::1]:8848/nacos/")]
    [InlineData("http://[::1]:8848/", "http://[::1]:8848/nacos/")]
    public void ServerAddress_WellFormed_IsAccepted(string address, string expected)
    {
        var servers = new Lanes.Nacos.Client.NacosServerList([address], "nacos");

        Assert.Equal(expected, servers[0].ToString());
    }

    [Fact]
    public async Task MisspelledNacosKey_IsWarnedAboutAtStart()
    {
        var config = TestServices.Config("http://127.0.0.1:8848");
        config["Lanes:Nacos:ServerAdresses:0"] = "http://127.0.0.1:8849";
        config["Lanes:Nacos:Push:UdpPrt"] = "0";
        await using var provider = TestServices.Build(config);

        _ = provider.GetRequiredService<IOptions<Lanes.LanesOptions>>().Value;

        var warned = provider.GetFakeLogCollector().GetSnapshot().Where(r => r.Id.Name == "UnknownSetting").Select(r => r.Message).ToList();
        Assert.Equal(2, warned.Count);
        Assert.Contains(warned, m => m.StartsWith("Configuration key 'Lanes:Nacos:ServerAdresses' is not a Lanes setting", StringComparison.Ordinal));
        Assert.Contains(warned, m => m.StartsWith("Configuration key 'Lanes:Nacos:Push:UdpPrt' is not a Lanes setting", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NacosSdkSection_IsAccepted()
    {
        var config = new Dictionary<string, string?>
        {
            ["nacos:ServerAddresses:0"] = "http://10.0.0.1:8848",
            ["nacos:ServerAddresses:1"] = "http://10.0.0.2:8848",
            ["nacos:Namespace"] = "dev",
            ["nacos:GroupName"] = "ORDER_GROUP",
            ["nacos:ClusterName"] = "HZ",
            ["nacos:UserName"] = "nacos",
            ["nacos:Password"] = "pw",
            ["nacos:DefaultTimeOut"] = "3000",
            ["nacos:ServiceName"] = "orders",
            ["nacos:Port"] = "5001",
            ["nacos:Weight"] = "50",
            ["nacos:RegisterEnabled"] = "false",
            ["nacos:Metadata:team"] = "payments",
        };
        await using var provider = TestServices.Build(config);

        var options = provider.GetRequiredService<IOptions<NacosOptions>>().Value;

        Assert.Equal(["http://10.0.0.1:8848", "http://10.0.0.2:8848"], options.ServerAddresses);
        Assert.Equal("dev", options.Namespace);
        Assert.Equal("ORDER_GROUP", options.GroupName);
        Assert.Equal("HZ", options.ClusterName);
        Assert.Equal("nacos", options.UserName);
        Assert.Equal("pw", options.Password);
        Assert.Equal(TimeSpan.FromSeconds(3), options.RequestTimeout);
        Assert.Equal("orders", options.Registration.ServiceName);
        Assert.Equal(5001, options.Registration.Port);
        Assert.Equal(50, options.Registration.Weight);
        Assert.False(options.Registration.Enabled);
        Assert.Equal("payments", options.Registration.Metadata["team"]);
    }

    [Fact]
    public async Task LanesSection_WinsOverNacosSection_AndAcceptsACommaSeparatedList()
    {
        var config = new Dictionary<string, string?>
        {
            ["nacos:ServerAddresses:0"] = "http://old:8848",
            ["nacos:Namespace"] = "old",
            ["Lanes:Nacos:ServerAddresses"] = "http://a:8848, http://b:8848",
            ["Lanes:Nacos:Namespace"] = "new",
        };
        await using var provider = TestServices.Build(config);

        var options = provider.GetRequiredService<IOptions<NacosOptions>>().Value;

        Assert.Equal(["http://a:8848", "http://b:8848"], options.ServerAddresses);
        Assert.Equal("new", options.Namespace);
    }

    [Fact]
    public async Task Registration_RequiresServiceName_OnlyWhenRegistering()
    {
        var config = TestServices.Config("http://127.0.0.1:8848");
        await using (var discoveryOnly = TestServices.Build(config))
        {
            Assert.NotNull(discoveryOnly.GetRequiredService<IOptions<NacosOptions>>().Value);
        }

        await using var registering = TestServices.Build(config, configure: s => s.AddTrafficLanesNacosRegistration());
        var ex = Assert.Throws<OptionsValidationException>(() => registering.GetRequiredService<IOptions<NacosOptions>>().Value);
        Assert.Contains("Lanes:Nacos:Registration:ServiceName", ex.Message, StringComparison.Ordinal);
    }
}
