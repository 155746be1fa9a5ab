using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Tests.TestSupport;
using Lanes.RolloutController.Webhooks;

namespace Lanes.RolloutController.Tests.Webhooks;

/// <summary>The webhooks over real HTTPS: AdmissionReview JSON in, JSONPatch out; registration with the API server.</summary>
public sealed class WebhookServerTests
{
    private const string V1 = "example/app:v1";

    [Fact]
    public async Task LocalUrl_RegistersTheWebhook_AnswersAdmissionReviews_AndPutsTheConfigurationBackOnShutdown()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 2, V1);
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app"));
        var controller = await ControllerHost.StartAsync(cluster.Emulator);
        try
        {
            await cluster.WaitForRolloutAsync("rollout-app", static r => TestCluster.State(r) == CanaryStepStates.Completed, "Healthy");
            var configuration = cluster.Store.Get(new StoredObjectKey(AdmissionWebhooks.MutatingConfigurations, "", "lanes-rollout-controller"))!;
            var webhook = (JsonObject)configuration["webhooks"]![0]!;
            Assert.Equal("mdeployment.rollouts.lanes.dev", webhook["name"]!.GetValue<string>());
            Assert.Equal("Fail", webhook["failurePolicy"]!.GetValue<string>());
            var url = new Uri(webhook["clientConfig"]!["url"]!.GetValue<string>());
            Assert.Equal("https://127.0.0.1:" + url.Port + "/mutate-apps-v1-deployment", url.ToString());
            using var http = TrustingClient(Encoding.UTF8.GetString(Convert.FromBase64String(webhook["clientConfig"]!["caBundle"]!.GetValue<string>())));

            // A real review of an image change: the patch holds the Deployment.
            var deployment = cluster.Deployment("app")!;
            var changed = (JsonObject)deployment.DeepClone();
            changed["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "example/app:v2";
            var review = Review("UPDATE", changed, deployment);
            using var reply = await http.PostAsync(url, new StringContent(review.ToJsonString(), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            var response = JsonNode.Parse(await reply.Content.ReadAsStringAsync())!["response"]!;
            Assert.Equal("uid-1", response["uid"]!.GetValue<string>());
            Assert.True(response["allowed"]!.GetValue<bool>());
            Assert.Equal("JSONPatch", response["patchType"]!.GetValue<string>());
            var patch = JsonNode.Parse(Convert.FromBase64String(response["patch"]!.GetValue<string>()))!.AsArray();
            Assert.Contains(patch, static op => op!["path"]!.GetValue<string>() == "/spec/paused" && op["value"]!.GetValue<bool>());
            Assert.Contains(patch, static op => op!["path"]!.GetValue<string>() == "/metadata/annotations/rollouts.kruise.io~1in-progressing" || op!["path"]!.GetValue<string>() == "/metadata/annotations");

            // A status update or a create is let through untouched.
            using var create = await http.PostAsync(url, new StringContent(Review("CREATE", changed, null).ToJsonString(), Encoding.UTF8, "application/json"));
            var created = JsonNode.Parse(await create.Content.ReadAsStringAsync())!["response"]!;
            Assert.True(created["allowed"]!.GetValue<bool>());
            Assert.Null(created["patch"]);

            // Bad bodies: 400 with the reason, and the server keeps serving.
            foreach (var (body, reason) in new[]
            {
                ("{not json", "not JSON"),
                ("""{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"x","operation":"UPDATE"}}""", "admission.k8s.io/v1"),
                ("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}""", "request.uid"),
                ("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","operation":"UPDATE","object":[1]}}""", "must be objects"),
                ("[]", "not a JSON object"),
            })
            {
                using var bad = await http.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
                Assert.Contains(reason, await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }
        finally
        {
            await controller.DisposeAsync();
        }

        // Out of cluster the controller created the configuration, so shutdown removes it.
        Assert.Null(cluster.Store.Get(new StoredObjectKey(AdmissionWebhooks.MutatingConfigurations, "", "lanes-rollout-controller")));
    }

    [Fact]
    public async Task LocalUrl_OverAnExistingConfiguration_RestoresItsClientConfigOnShutdown()
    {
        await using var cluster = await TestCluster.StartAsync();
        var installed = JsonNode.Parse("""
            {"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingWebhookConfiguration","metadata":{"name":"lanes-rollout-controller"},
             "webhooks":[{"name":"mdeployment.rollouts.lanes.dev","admissionReviewVersions":["v1"],"sideEffects":"None","failurePolicy":"Ignore",
               "clientConfig":{"service":{"namespace":"lanes-system","name":"lanes-rollout-controller-webhook","path":"/mutate-apps-v1-deployment"}},
               "rules":[{"apiGroups":["apps"],"apiVersions":["v1"],"operations":["UPDATE"],"resources":["deployments"]}]}]}
            """)!.AsObject();
        cluster.Store.Create(AdmissionWebhooks.MutatingConfigurations, "", installed);

        await using (await ControllerHost.StartAsync(cluster.Emulator))
        {
            var pointed = cluster.Store.Get(new StoredObjectKey(AdmissionWebhooks.MutatingConfigurations, "", "lanes-rollout-controller"))!;
            Assert.StartsWith("https://127.0.0.1:", pointed["webhooks"]![0]!["clientConfig"]!["url"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        var restored = cluster.Store.Get(new StoredObjectKey(AdmissionWebhooks.MutatingConfigurations, "", "lanes-rollout-controller"))!;
        Assert.Equal("lanes-rollout-controller-webhook", restored["webhooks"]![0]!["clientConfig"]!["service"]!["name"]!.GetValue<string>());
        Assert.Null(restored["webhooks"]![0]!["clientConfig"]!["url"]);
    }

    [Fact]
    public async Task LocalUrl_AnAnswerThatNeverComesAtShutdown_CostsOneBoundedAttempt_AndEverythingIsStillPutBack()
    {
        // The first read of the mutating configuration at shutdown hangs (a lost response); its retry must be answered.
        var stopping = false;
        var hung = 0;
        await using var cluster = await TestCluster.StartAsync(new EmulatorOptions
        {
            Faults = r => Volatile.Read(ref stopping) && r is { Verb: "get", Name: "lanes-rollout-controller" } && r.Type == AdmissionWebhooks.MutatingConfigurations && Interlocked.Exchange(ref hung, 1) == 0
                ? ApiFault.Slow(TimeSpan.FromMinutes(2))
                : null,
        });
        var controller = await ControllerHost.StartAsync(cluster.Emulator);
        Assert.NotNull(cluster.Store.Get(new StoredObjectKey(AdmissionWebhooks.MutatingConfigurations, "", "lanes-rollout-controller")));

        Volatile.Write(ref stopping, true);
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await controller.Host.StopAsync(grace.Token);
        }

        controller.Host.Dispose();
        Assert.Equal(1, hung);

        // Created by the run, so put back means deleted: both configurations, although one answer never came.
        Assert.Null(cluster.Store.Get(new StoredObjectKey(AdmissionWebhooks.MutatingConfigurations, "", "lanes-rollout-controller")));
        Assert.Null(cluster.Store.Get(new StoredObjectKey(AdmissionWebhooks.ValidatingConfigurations, "", "lanes-rollout-controller")));
    }

    [Fact]
    public async Task LocalUrl_AfterARunThatCouldNotPutItBack_TheNextRunRestoresTheTrueOriginal()
    {
        var failing = false;
        await using var cluster = await TestCluster.StartAsync(new EmulatorOptions { Faults = _ => Volatile.Read(ref failing) ? ApiFault.InternalError : null });
        var installed = JsonNode.Parse("""
            {"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingWebhookConfiguration","metadata":{"name":"lanes-rollout-controller"},
             "webhooks":[{"name":"mdeployment.rollouts.lanes.dev","admissionReviewVersions":["v1"],"sideEffects":"None","failurePolicy":"Ignore",
               "clientConfig":{"service":{"namespace":"lanes-system","name":"lanes-rollout-controller-webhook","path":"/mutate-apps-v1-deployment"}},
               "rules":[{"apiGroups":["apps"],"apiVersions":["v1"],"operations":["UPDATE"],"resources":["deployments"]}]},
              {"name":"someone-elses.example.com","admissionReviewVersions":["v1"],"sideEffects":"None","failurePolicy":"Ignore",
               "clientConfig":{"url":"https://127.0.0.1:1/other"},
               "rules":[{"apiGroups":["apps"],"apiVersions":["v1"],"operations":["CREATE"],"resources":["deployments"]}]}]}
            """)!.AsObject();
        cluster.Store.Create(AdmissionWebhooks.MutatingConfigurations, "", installed);
        var key = new StoredObjectKey(AdmissionWebhooks.MutatingConfigurations, "", "lanes-rollout-controller");
        string OurUrl() => ((JsonArray)cluster.Store.Get(key)!["webhooks"]!).Single(static w => w!["name"]!.GetValue<string>() == "mdeployment.rollouts.lanes.dev")!["clientConfig"]!["url"]?.GetValue<string>() ?? "";

        // The first run's API server fails every request at shutdown: its URL stays behind, as after a kill.
        var first = await ControllerHost.StartAsync(cluster.Emulator, settings: new Dictionary<string, string?> { ["Lanes:RolloutController:MaxRetryDelay"] = "00:00:00.200" });
        var deadUrl = OurUrl();
        Assert.StartsWith("https://127.0.0.1:", deadUrl, StringComparison.Ordinal);
        Volatile.Write(ref failing, true);
        using (var shortStop = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            await first.Host.StopAsync(shortStop.Token);
        }

        first.Host.Dispose();
        Volatile.Write(ref failing, false);
        Assert.Equal(deadUrl, OurUrl());

        // The next run points the configuration at itself but remembers the service, not the dead run's URL.
        await using (await ControllerHost.StartAsync(cluster.Emulator))
        {
            Assert.NotEqual(deadUrl, OurUrl());
            Assert.StartsWith("https://127.0.0.1:", OurUrl(), StringComparison.Ordinal);
        }

        var restored = cluster.Store.Get(key)!;
        var ours = ((JsonArray)restored["webhooks"]!).Single(static w => w!["name"]!.GetValue<string>() == "mdeployment.rollouts.lanes.dev")!;
        Assert.Equal("lanes-rollout-controller-webhook", ours["clientConfig"]!["service"]!["name"]!.GetValue<string>());
        Assert.Null(ours["clientConfig"]!["url"]);
        Assert.Equal("Ignore", ours["failurePolicy"]!.GetValue<string>());

        // Nobody else's webhook was touched, and no record of ours is left on the object.
        Assert.Contains((JsonArray)restored["webhooks"]!, static w => w!["name"]!.GetValue<string>() == "someone-elses.example.com" && w["clientConfig"]!["url"]!.GetValue<string>() == "https://127.0.0.1:1/other");
        Assert.Null(restored["metadata"]!["annotations"]?[WebhookRegistration.OriginalAnnotation]);
    }

    [Fact]
    public async Task ApiServer_WithTheWebhookUnreachable_RefusesUnderFail_AndLetsThroughUnderIgnore()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.ApplyAppAsync("app", 1, V1);
        cluster.Patch(ResourceType.Deployments, "app", static d =>
        {
            var metadata = (JsonObject)d["metadata"]!;
            if (metadata["labels"] is not JsonObject labels)
            {
                labels = [];
                metadata["labels"] = labels;
            }

            labels[KruiseNames.WorkloadTypeLabel] = "deployment";
            return true;
        });
        var closedPort = FreePort();
        var configuration = JsonNode.Parse($$"""
            {"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingWebhookConfiguration","metadata":{"name":"down"},
             "webhooks":[{"name":"mdeployment.rollouts.lanes.dev","admissionReviewVersions":["v1"],"sideEffects":"None","failurePolicy":"Fail","timeoutSeconds":2,
               "clientConfig":{"url":"https://127.0.0.1:{{closedPort}}/mutate-apps-v1-deployment"},
               "objectSelector":{"matchExpressions":[{"key":"rollouts.kruise.io/workload-type","operator":"Exists"}]},
               "rules":[{"apiGroups":["apps"],"apiVersions":["v1"],"operations":["UPDATE"],"resources":["deployments"]}]}]}
            """)!.AsObject();
        cluster.Store.Create(AdmissionWebhooks.MutatingConfigurations, "", configuration);

        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.SetImageAsync("app", "example/app:v2"));
        Assert.Equal(HttpStatusCode.InternalServerError, refused.Response.StatusCode);
        Assert.Contains("failed calling webhook", refused.Response.Content, StringComparison.Ordinal);
        Assert.Contains("mdeployment.rollouts.lanes.dev", refused.Response.Content, StringComparison.Ordinal);
        Assert.Equal(V1, TestCluster.Image(cluster.Deployment("app")!));

        cluster.Store.Mutate(new StoredObjectKey(AdmissionWebhooks.MutatingConfigurations, "", "down"), static c =>
        {
            c["webhooks"]![0]!["failurePolicy"] = "Ignore";
            return true;
        });
        await cluster.SetImageAsync("app", "example/app:v2");
        Assert.Equal("example/app:v2", TestCluster.Image(cluster.Deployment("app")!));
    }

    [Fact]
    public async Task CertificateFiles_RotatedOnDisk_AreServedAfterTheReloadInterval()
    {
        var dir = Directory.CreateTempSubdirectory("lanes-webhook-certs-");
        try
        {
            var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
            var first = WebhookCertificateAuthority.Create(["first.test"], [], time.GetUtcNow(), TimeSpan.FromDays(1));
            await WriteAsync(dir.FullName, first);
            var options = Microsoft.Extensions.Options.Options.Create(new Lanes.RolloutController.Hosting.RolloutControllerOptions
            {
                Webhooks = new WebhookOptions { CertificateDirectory = dir.FullName, CertificateReloadInterval = TimeSpan.FromSeconds(30) },
            });
            var certificates = new WebhookCertificates(new k8s.Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }), options, time,
                Microsoft.Extensions.Logging.Abstractions.NullLogger<WebhookCertificates>.Instance);
            await certificates.InitializeAsync(CancellationToken.None);
            Assert.Equal("CN=first.test", certificates.Current.Subject);

            var second = WebhookCertificateAuthority.Create(["second.test"], [], time.GetUtcNow(), TimeSpan.FromDays(1));
            await WriteAsync(dir.FullName, second);
            Assert.Equal("CN=first.test", certificates.Current.Subject);
            time.Advance(TimeSpan.FromSeconds(31));
            Assert.Equal("CN=second.test", certificates.Current.Subject);

            // A half-written rotation keeps the certificate that works.
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "tls.key"), "garbage");
            time.Advance(TimeSpan.FromSeconds(31));
            Assert.Equal("CN=second.test", certificates.Current.Subject);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task WriteAsync(string dir, WebhookCertificateAuthority authority)
    {
        await File.WriteAllTextAsync(Path.Combine(dir, "tls.crt"), authority.CertificatePem);
        await File.WriteAllTextAsync(Path.Combine(dir, "tls.key"), authority.KeyPem);
    }

    private static JsonObject Review(string operation, JsonObject obj, JsonObject? old) => new()
    {
        ["apiVersion"] = "admission.k8s.io/v1",
        ["kind"] = "AdmissionReview",
        ["request"] = new JsonObject
        {
            ["uid"] = "uid-1",
            ["kind"] = new JsonObject { ["group"] = "apps", ["version"] = "v1", ["kind"] = "Deployment" },
            ["resource"] = new JsonObject { ["group"] = "apps", ["version"] = "v1", ["resource"] = "deployments" },
            ["namespace"] = "default",
            ["name"] = "app",
            ["operation"] = operation,
            ["object"] = obj.DeepClone(),
            ["oldObject"] = old?.DeepClone(),
        },
    };

    private static HttpClient TrustingClient(string caPem)
    {
        var trust = new X509Certificate2Collection();
        trust.ImportFromPem(caPem);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(trust);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return certificate is not null && chain.Build(new X509Certificate2(certificate));
        };
        return new HttpClient(handler);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
