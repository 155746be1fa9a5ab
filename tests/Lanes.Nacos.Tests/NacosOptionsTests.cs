using Lanes.Nacos.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
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

        await using var registering = TestServices.Build(config, configure: s => s.AddNacosRegistration());
        var ex = Assert.Throws<OptionsValidationException>(() => registering.GetRequiredService<IOptions<NacosOptions>>().Value);
        Assert.Contains("Lanes:Nacos:Registration:ServiceName", ex.Message, StringComparison.Ordinal);
    }
}
