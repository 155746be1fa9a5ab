using FsCheck;
using FsCheck.Fluent;
using Lanes.Kubernetes.Discovery;

namespace Lanes.Kubernetes.Tests.Discovery;

public sealed class KubernetesServiceNameTests
{
    [Theory]
    [InlineData("orders", null, "orders")]
    [InlineData("orders.shop", "shop", "orders")]
    [InlineData("orders.shop.svc", "shop", "orders")]
    [InlineData("orders.shop.svc.cluster.local", "shop", "orders")]
    [InlineData("orders.shop.svc.cluster.local.", "shop", "orders")]
    [InlineData("Orders.Shop", "shop", "orders")]
    [InlineData("a-1.b-2", "b-2", "a-1")]
    public void ClusterDnsForms_NameTheService(string host, string? ns, string service)
    {
        Assert.True(KubernetesServiceName.TryParse(host, null, "cluster.local", out var name));
        Assert.Equal(ns, name.Namespace);
        Assert.Equal(service, name.Service);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("api.example.com")]
    [InlineData("orders.svc")]
    [InlineData("orders.shop.svc.other.domain")]
    [InlineData("orders.shop.cluster.local")]
    [InlineData("1orders")]
    [InlineData("-orders")]
    [InlineData("orders_x")]
    [InlineData("orders.-shop")]
    [InlineData("")]
    public void OtherHosts_AreNotServices(string host) =>
        Assert.False(KubernetesServiceName.TryParse(host, null, "cluster.local", out _));

    [Fact]
    public void AnotherClusterDomain_IsHonoured()
    {
        Assert.True(KubernetesServiceName.TryParse("orders.shop.svc.corp.example", null, "corp.example", out var name));
        Assert.Equal(("shop", "orders"), (name.Namespace, name.Service));
        Assert.False(KubernetesServiceName.TryParse("orders.shop.svc.cluster.local", null, "corp.example", out _));
    }

    [Theory]
    [InlineData("http", true)]
    [InlineData("grpc-web", true)]
    [InlineData("8080", false)]
    [InlineData("a-very-long-port-name", false)]
    [InlineData("HTTP", false)]
    public void PortNames_FollowKubernetesRules(string port, bool valid) =>
        Assert.Equal(valid, KubernetesServiceName.TryParse("orders", port, "cluster.local", out _));

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property AnyHost_ParsesWithoutThrowing_AndOnlyIntoValidNames(string host) =>
        (host is null || !KubernetesServiceName.TryParse(host, null, "cluster.local", out var name)
            || (KubernetesNames.IsLabel(name.Service) && (name.Namespace is null || KubernetesNames.IsLabel(name.Namespace)))).ToProperty();

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property ValidNames_RoundTrip(PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var service = Label(random, startWithLetter: true);
        var ns = Label(random, startWithLetter: false);
        return (KubernetesServiceName.TryParse($"{service}.{ns}.svc.cluster.local", null, "cluster.local", out var name)
            && name.Service == service && name.Namespace == ns).ToProperty();
    }

    private static string Label(Random random, bool startWithLetter)
    {
        const string Letters = "abcdefghijklmnopqrstuvwxyz";
        const string Characters = "abcdefghijklmnopqrstuvwxyz0123456789-";
        var length = random.Next(1, 64);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            var edge = i == 0 || i == length - 1;
            chars[i] = (i == 0 && startWithLetter) || edge ? Letters[random.Next(Letters.Length)] : Characters[random.Next(Characters.Length)];
        }

        return new string(chars);
    }
}
