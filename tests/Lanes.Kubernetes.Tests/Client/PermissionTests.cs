using Lanes.Kubernetes.Emulator;
using Lanes.Kubernetes.Tests.Infrastructure;
using Lanes.Routing;

namespace Lanes.Kubernetes.Tests.Client;

/// <summary>RBAC as the API server enforces it: a missing permission is named at start, or in the failing call.</summary>
public sealed class PermissionTests
{
    private const string ServiceAccount = "system:serviceaccount:default:lanes-samples";

    [Fact]
    public async Task NoRoleBinding_StopsTheStart_NamingEveryMissingPermission()
    {
        await using var emulator = await KubernetesEmulator.StartAsync(new EmulatorOptions { EnforceRbac = true });
        await using var host = await DiscoveryHost.StartAsync(emulator, ServiceAccount, start: false);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.Host.StartAsync());

        Assert.Contains("may not list endpointslices.discovery.k8s.io, watch endpointslices.discovery.k8s.io, list pods, watch pods in namespace 'default'", error.Message, StringComparison.Ordinal);
        Assert.Contains("samples/kubernetes/rbac.yaml", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListWithoutWatch_StopsTheStart_NamingTheWatch()
    {
        await using var emulator = await KubernetesEmulator.StartAsync(new EmulatorOptions { EnforceRbac = true });
        emulator.ApplyManifests(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", "rbac.yaml")).Replace("[\"get\", \"list\", \"watch\"]", "[\"get\", \"list\"]", StringComparison.Ordinal));
        await using var host = await DiscoveryHost.StartAsync(emulator, ServiceAccount, start: false);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.Host.StartAsync());

        Assert.Contains("may not watch endpointslices.discovery.k8s.io, watch pods in namespace 'default'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSamplesRbac_IsEnough_AndANamespaceWithoutItFailsTheCallNamingThePermission()
    {
        await using var emulator = await KubernetesEmulator.StartAsync(new EmulatorOptions { EnforceRbac = true });
        emulator.ApplyManifests(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", "rbac.yaml")));
        TestApps.Deploy(emulator, "orders", 1);
        TestApps.Service(emulator, "orders");
        TestApps.Deploy(emulator, "orders", 1, ns: "other");
        TestApps.Service(emulator, "orders", "other");
        await TestApps.WaitForReadyEndpointsAsync(emulator, "orders", 1);
        await using var host = await DiscoveryHost.StartAsync(emulator, ServiceAccount);

        Assert.Single((await host.Resolver.GetEndpointsAsync("orders", CancellationToken.None)).Endpoints);
        var error = await Assert.ThrowsAsync<LaneRoutingException>(() => host.Client.GetAsync(new Uri("http://orders.other/")));

        // Whichever of the two lists was refused first is named, with the API server's own words.
        Assert.Matches(
            $"^Service 'orders.other' could not be resolved: the Kubernetes API server refused to list (endpointslices.discovery.k8s.io|pods) in namespace 'other' " +
            $"\\(403 Forbidden: (endpointslices.discovery.k8s.io|pods) is forbidden: User \"{ServiceAccount}\" cannot list resource \"(endpointslices|pods)\" in API group \"(discovery.k8s.io)?\" in the namespace \"other\"\\)",
            error.Message);
        Assert.Contains("Grant this pod's service account get, list and watch on endpointslices (discovery.k8s.io) and pods", error.Message, StringComparison.Ordinal);
        Assert.Contains(host.Logs.GetSnapshot(), static r => r.Id.Name == "KubernetesWatchForbidden");
    }
}
