using System.Net;
using System.Security.Cryptography.X509Certificates;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Hosting;
using Lanes.RolloutController.Tests.TestSupport;
using Lanes.RolloutController.Webhooks;

namespace Lanes.RolloutController.Tests.Hosting;

/// <summary>
/// The probes' endpoints on the controller's HTTPS server (the chart's livenessProbe and readinessProbe): <c>/healthz</c>
/// answers while the process serves; <c>/readyz</c> waits for the leader's informers and counts a standby replica ready.
/// </summary>
public sealed class HealthEndpointTests
{
    [Fact]
    public async Task Readyz_WaitsForEveryInformersFirstList_NamingTheMissingOnes_WhileHealthzAnswers()
    {
        var replicaSetsFail = 1;
        await using var cluster = await TestCluster.StartAsync(new EmulatorOptions
        {
            Faults = r => r is { Verb: "list" } && r.Type == ResourceType.ReplicaSets && Volatile.Read(ref replicaSetsFail) == 1 ? ApiFault.InternalError : null,
        });
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator);
        using var http = ProbeClient(controller);

        Assert.Equal((HttpStatusCode.OK, "Healthy\n"), await GetAsync(http, "/healthz"));
        // The other informers have listed (positive evidence), only ReplicaSets keep failing.
        await Eventually.WaitAsync(
            () => GetAsync(http, "/readyz").GetAwaiter().GetResult(),
            static r => r == (HttpStatusCode.ServiceUnavailable, "Unhealthy\ncontroller: Unhealthy: leading; waiting for the first list of replicasets\n"),
            "/readyz to name only the ReplicaSets informer");
        Assert.Equal((HttpStatusCode.OK, "Healthy\n"), await GetAsync(http, "/healthz"));

        Volatile.Write(ref replicaSetsFail, 0);
        await Eventually.WaitAsync(
            () => GetAsync(http, "/readyz").GetAwaiter().GetResult(),
            static r => r == (HttpStatusCode.OK, "Healthy\ncontroller: Healthy: leading; informers synced\n"),
            "/readyz to turn ready once the ReplicaSets are listed");
    }

    [Fact]
    public async Task Readyz_OfAReplicaThatDoesNotLead_IsReady_AsItServesTheWebhooks()
    {
        var leaseRead = 0;
        await using var cluster = await TestCluster.StartAsync(new EmulatorOptions
        {
            OnRequest = (method, path, _) =>
            {
                if (method == "GET" && path.EndsWith("/leases/lanes-rollout-controller", StringComparison.Ordinal))
                {
                    Interlocked.Exchange(ref leaseRead, 1);
                }
            },
        });
        var renewed = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        cluster.Emulator.ApplyManifests($"""
            apiVersion: coordination.k8s.io/v1
            kind: Lease
            metadata:
              name: lanes-rollout-controller
            spec:
              holderIdentity: other-replica
              leaseDurationSeconds: 3600
              acquireTime: "{renewed}"
              renewTime: "{renewed}"
            """);
        await using var controller = await ControllerHost.StartAsync(cluster.Emulator, settings: new Dictionary<string, string?>
        {
            ["Lanes:RolloutController:LeaderElection:Enabled"] = "true",
            ["Lanes:RolloutController:LeaderElection:LeaseName"] = "lanes-rollout-controller",
            ["Lanes:RolloutController:LeaderElection:LeaseNamespace"] = TestCluster.Ns,
            ["Lanes:RolloutController:LeaderElection:Identity"] = "this-replica",
        });
        using var http = ProbeClient(controller);

        // It tried to lead and found the lease held: it stands by, and is ready.
        await Eventually.WaitAsync(() => Volatile.Read(ref leaseRead) == 1, "the replica to read the lease");
        Assert.Equal((HttpStatusCode.OK, "Healthy\ncontroller: Healthy: standing by: another replica leads; this one serves the webhooks\n"), await GetAsync(http, "/readyz"));
        Assert.False(controller.Get<ControllerLeadership>().IsLeading);
        Assert.Equal("other-replica", cluster.Store.Get(new StoredObjectKey(new ResourceType("coordination.k8s.io", "leases"), TestCluster.Ns, "lanes-rollout-controller"))!["spec"]!["holderIdentity"]!.GetValue<string>());
    }

    // HTTPS to the controller's server, trusting its CA (a kubelet probe skips verification; a test need not).
    private static HttpClient ProbeClient(ControllerHost controller)
    {
        var trust = new X509Certificate2Collection();
        trust.ImportFromPem(controller.Get<WebhookCertificates>().CaBundle!);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(trust);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = certificate is null ? null : new X509Certificate2(certificate);
            return leaf is not null && chain.Build(leaf);
        };
        return new HttpClient(handler) { BaseAddress = controller.Get<WebhookServer>().BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    private static async Task<(HttpStatusCode, string)> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
