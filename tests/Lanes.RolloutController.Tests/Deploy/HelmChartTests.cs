using System.Text.Json.Nodes;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Tests.TestSupport;
using YamlDotNet.Serialization;

namespace Lanes.RolloutController.Tests.Deploy;

/// <summary>
/// The Helm chart (deploy/helm/lanes-rollout-controller) with the real helm 4.1 and kubectl 1.35: it lints, renders
/// with default and non-default values into objects whose names line up with what the controller looks for, refuses
/// invalid values naming them, matches the committed plain manifests and kustomize base, and installs on the emulator.
/// </summary>
public sealed class HelmChartTests
{
    private const string Release = "lanes-rollout-controller";
    private const string Ns = "lanes-system";

    [HelmFact]
    public async Task Lint_PassesWithDefaultAndNonDefaultValues()
    {
        foreach (var values in new[] { Array.Empty<string>(), ["--set", "webhooks.certificate.source=certManager", "--set", "replicas=3"] })
        {
            var (code, output, errors) = await Helm.RunAsync(Helm.Executable!, ["lint", Helm.Chart, "--strict", .. values]);
            Assert.True(code == 0, $"helm lint exited with {code}: {output}{errors}");
            Assert.Contains("0 chart(s) failed", output, StringComparison.Ordinal);
        }
    }

    [HelmFact]
    public async Task Template_DefaultValues_GiveTheNamesTheControllerLooksFor()
    {
        var objects = Documents(await Helm.TemplateAsync(Release, Ns));
        AssertWired(objects, Ns, Release);

        // The names the plain manifests always had, and the controller's defaults (WebhookOptions).
        Assert.Equal("lanes-system/lanes-rollout-controller-webhook", Env(objects, "Lanes__RolloutController__Webhooks__ServiceName"));
        Assert.Equal("lanes-system/lanes-rollout-controller-webhook-certs", Env(objects, "Lanes__RolloutController__Webhooks__CertificateSecret"));
        Assert.Equal("2", Single(objects, "Deployment")["spec"]!["replicas"]!.GetValue<string>());
        Assert.Equal("lanes/rollout-controller:0.1.0", Container(objects)["image"]!.GetValue<string>());
        Assert.Equal("1", Single(objects, "PodDisruptionBudget")["spec"]!["minAvailable"]!.GetValue<string>());

        // Self-signed: the controller writes caBundle itself, so it may update its webhook configurations and the CRD
        // (by name only), and read and create its Secret (read by name).
        var cluster = Named(objects, "ClusterRole", "lanes-rollout-controller-cluster-resources");
        Assert.All(Rules(cluster), static r => Assert.NotNull(r["resourceNames"]));
        Assert.Contains(Rules(cluster), static r => Strings(r["resources"]).Contains("customresourcedefinitions") && Strings(r["resourceNames"]).SequenceEqual(["rollouts.rollouts.kruise.io"]));
        var role = Named(objects, "Role", "lanes-rollout-controller");
        Assert.Contains(Rules(role), static r => Strings(r["resources"]).Contains("secrets") && Strings(r["verbs"]).SequenceEqual(["get"]) && Strings(r["resourceNames"]).SequenceEqual(["lanes-rollout-controller-webhook-certs"]));
        Assert.Contains(Rules(role), static r => Strings(r["resources"]).Contains("leases"));
        Assert.DoesNotContain(objects, static o => Kind(o) is "Certificate" or "Issuer" or "Namespace");
    }

    [HelmFact]
    public async Task Template_CertManagerThreeReplicasCustomNamespaceAndImage()
    {
        var objects = Documents(await Helm.TemplateAsync("canary", "lanes-ops",
            "--set", "webhooks.certificate.source=certManager", "--set", "replicas=3",
            "--set", "image.repository=registry.example.com/lanes/controller", "--set", "image.tag=1.2.3"));
        const string Name = "canary-lanes-rollout-controller";
        AssertWired(objects, "lanes-ops", Name);
        Assert.Equal("3", Single(objects, "Deployment")["spec"]!["replicas"]!.GetValue<string>());
        Assert.Equal("registry.example.com/lanes/controller:1.2.3", Container(objects)["image"]!.GetValue<string>());

        // cert-manager issues the serving certificate for the Service's DNS names into a Secret the controller reads
        // as files; cainjector writes its CA into both configurations and the Rollout CRD.
        var certificate = Named(objects, "Certificate", Name + "-webhook");
        Assert.Contains($"{Name}-webhook.lanes-ops.svc", Strings(certificate["spec"]!["dnsNames"]));
        Assert.Equal(Name + "-selfsigned", certificate["spec"]!["issuerRef"]!["name"]!.GetValue<string>());
        Assert.Equal("Issuer", Named(objects, "Issuer", Name + "-selfsigned")["kind"]!.GetValue<string>());
        var secret = certificate["spec"]!["secretName"]!.GetValue<string>();
        var pod = Single(objects, "Deployment")["spec"]!["template"]!["spec"]!;
        var volume = ((JsonArray)pod["volumes"]!).Single(v => v!["secret"] is not null)!;
        Assert.Equal(secret, volume["secret"]!["secretName"]!.GetValue<string>());
        var directory = Env(objects, "Lanes__RolloutController__Webhooks__CertificateDirectory");
        Assert.Contains((JsonArray)Container(objects)["volumeMounts"]!, m => m!["mountPath"]!.GetValue<string>() == directory && m["name"]!.GetValue<string>() == volume["name"]!.GetValue<string>());
        Assert.Null(Env(objects, "Lanes__RolloutController__Webhooks__CertificateSecret"));
        foreach (var kind in new[] { "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "CustomResourceDefinition" })
        {
            // Only CRDs with a conversion webhook take a CA: not TrafficRouting, not AnalysisTemplate (one version).
            var annotated = objects.Where(o => Kind(o) == kind && o["metadata"]!["name"]!.GetValue<string>() is not ("trafficroutings.rollouts.kruise.io" or "analysistemplates.lanes.dev"));
            Assert.All(annotated, o => Assert.Equal("lanes-ops/" + Name + "-webhook", o["metadata"]!["annotations"]!["cert-manager.io/inject-ca-from"]!.GetValue<string>()));
        }

        Assert.Null(Named(objects, "CustomResourceDefinition", "analysistemplates.lanes.dev")["spec"]!["conversion"]);

        // cainjector writes caBundle, so the controller needs no cluster-scoped writes and no Secrets.
        Assert.DoesNotContain(objects, static o => Kind(o) == "ClusterRole" && o["metadata"]!["name"]!.GetValue<string>().EndsWith("-cluster-resources", StringComparison.Ordinal));
        Assert.DoesNotContain(Rules(Named(objects, "Role", Name)), static r => Strings(r["resources"]).Contains("secrets"));
    }

    [HelmTheory]
    [InlineData("replicas=-1", "'/replicas': minimum: got -1, want 0")]
    [InlineData("webhooks.certificate.source=", "'/webhooks/certificate/source': value must be one of")]
    [InlineData("webhooks.certificate.source=none", "'/webhooks/certificate/source': value must be one of")]
    [InlineData("webhooks.certificate.source=secret", "'/webhooks/certificate/secretName'")]
    [InlineData("webhooks.certificate=null", "'/webhooks': missing property 'certificate'")]
    [InlineData("webhooks.failurePolicy=Maybe", "'/webhooks/failurePolicy'")]
    [InlineData("webhooks.port=80", "'/webhooks/port'")]
    [InlineData("controller.canaryReadyTimeout=10m", "'/controller/canaryReadyTimeout'")]
    [InlineData("replica=3", "additional properties 'replica' not allowed")]
    [InlineData("podDisruptionBudget.maxUnavailable=1", "set either podDisruptionBudget.minAvailable or podDisruptionBudget.maxUnavailable")]
    [InlineData("leaderElection.enabled=false", "need leaderElection.enabled=true")]
    public async Task Template_InvalidValues_FailNamingTheValue(string value, string message)
    {
        var (code, output, errors) = await Helm.RunAsync(Helm.Executable!, "template", Release, Helm.Chart, "--namespace", Ns, "--set", value);
        Assert.NotEqual(0, code);
        Assert.Equal("", output);
        Assert.Contains(message, errors, StringComparison.Ordinal);
    }

    [HelmFact]
    public async Task CommittedPlainManifestsAndKustomizeBase_EqualTheChartsRendering()
    {
        var directory = Directory.CreateTempSubdirectory("lanes-render-");
        try
        {
            var (code, output, errors) = await Helm.RunAsync("bash", Path.Combine(Kubectl.RepositoryRoot, "eng", "render-manifests.sh"), directory.FullName);
            Assert.True(code == 0, $"eng/render-manifests.sh exited with {code}: {output}{errors}");
            foreach (var file in new[] { "crd-rollouts.yaml", "crd-trafficroutings.yaml", "crd-analysistemplates.yaml", "controller.yaml", "kustomize/base/lanes-rollout-controller.yaml" })
            {
                var committed = File.ReadAllText(Path.Combine(Kubectl.RepositoryRoot, "deploy", file));
                Assert.True(committed == File.ReadAllText(Path.Combine(directory.FullName, file)), $"deploy/{file} differs from the chart's rendering: run 'bash eng/render-manifests.sh' and commit the result");
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }

        // kustomize builds the base into the same objects as `kubectl apply -f deploy/` gets.
        var kustomized = Documents(await Kubectl.SucceedAsync(Path.Combine(Path.GetTempPath(), "lanes-no-kubeconfig"), "kustomize", Path.Combine(Kubectl.RepositoryRoot, "deploy", "kustomize", "base")));
        var plain = new[] { "crd-rollouts.yaml", "crd-trafficroutings.yaml", "crd-analysistemplates.yaml", "controller.yaml" }
            .SelectMany(f => Documents(File.ReadAllText(Path.Combine(Kubectl.RepositoryRoot, "deploy", f))));
        Assert.Equal(plain.Select(Identity).Order(StringComparer.Ordinal), kustomized.Select(Identity).Order(StringComparer.Ordinal));
        Assert.Equal(17, kustomized.Count);
    }

    /// <summary>
    /// The operator role (what kubectl lanes calls; its rules are derived in <see cref="RbacFromCodeTests"/>) is bound to
    /// nobody by the chart, reads only the named token Secrets, and aggregates into admin and edit only when asked.
    /// </summary>
    [HelmFact]
    public async Task OperatorRole_IsBoundToNobody_ReadsTokenSecretsByName_AndAggregatesIntoEditOnlyWhenAsked()
    {
        const string Operator = Release + "-operator";
        var defaults = Documents(await Helm.TemplateAsync(Release, Ns));
        var role = Named(defaults, "ClusterRole", Operator);
        Assert.Contains(Rules(role), static r => Strings(r["resources"]).SequenceEqual(["secrets"]) && Strings(r["resourceNames"]).SequenceEqual(["lane-token-keys"]) && Strings(r["verbs"]).SequenceEqual(["get"]));
        Assert.Null(role["metadata"]!["labels"]!["rbac.authorization.k8s.io/aggregate-to-edit"]);
        Assert.DoesNotContain(defaults, static o => Kind(o) is "RoleBinding" or "ClusterRoleBinding" && o["roleRef"]!["name"]!.GetValue<string>() == Operator);

        var aggregated = Named(Documents(await Helm.TemplateAsync(Release, Ns, "--set", "rbac.operator.aggregateToEdit=true", "--set-json", "rbac.operator.tokenSecrets=[]")), "ClusterRole", Operator);
        Assert.Equal(("true", "true"), (aggregated["metadata"]!["labels"]!["rbac.authorization.k8s.io/aggregate-to-edit"]!.GetValue<string>(), aggregated["metadata"]!["labels"]!["rbac.authorization.k8s.io/aggregate-to-admin"]!.GetValue<string>()));
        Assert.DoesNotContain(Rules(aggregated), static r => Strings(r["resources"]).Contains("secrets"));

        Assert.DoesNotContain(Documents(await Helm.TemplateAsync(Release, Ns, "--set", "rbac.operator.create=false")), static o => o["metadata"]!["name"]!.GetValue<string>() == Operator);
    }

    [HelmTheory]
    [InlineData(Release, Ns, new string[0])]
    [InlineData("canary", "lanes-ops", new[] { "--set", "replicas=3", "--set", "image.repository=registry.example.com/lanes/controller" })]
    public async Task Rendering_AppliesToTheApiServer(string release, string ns, string[] values)
    {
        var rendered = await Helm.TemplateAsync(release, ns, ["--set", "namespace.create=true", .. values]);
        await using var emulator = await KubernetesEmulator.StartAsync();
        var directory = Directory.CreateTempSubdirectory("lanes-chart-");
        try
        {
            var kubeconfig = Path.Combine(directory.FullName, "kubeconfig");
            File.WriteAllText(kubeconfig, emulator.KubeConfig());
            var manifest = Path.Combine(directory.FullName, "rendered.yaml");
            File.WriteAllText(manifest, rendered);

            // The emulator does not emulate server-side dry run; it refuses it rather than store what was only to be checked.
            var (dryCode, _, dryErrors) = await Kubectl.RunAsync(kubeconfig, "apply", "--dry-run=server", "-f", manifest);
            Assert.NotEqual(0, dryCode);
            Assert.Contains("dryRun=All", dryErrors, StringComparison.Ordinal);
            Assert.Empty(emulator.Store.List(new ResourceType("apiextensions.k8s.io", "customresourcedefinitions"), "").Items);

            var applied = await Kubectl.SucceedAsync(kubeconfig, "apply", "-f", manifest);
            var objects = Documents(rendered);
            foreach (var o in objects)
            {
                Assert.Contains($"/{o["metadata"]!["name"]!.GetValue<string>()} created", applied, StringComparison.Ordinal);
            }

            // Read back through the API: every object where the chart put it.
            foreach (var o in objects)
            {
                var name = o["metadata"]!["name"]!.GetValue<string>();
                var scope = o["metadata"]!["namespace"] is null ? Array.Empty<string>() : ["-n", ns];
                var resource = Kind(o).ToLowerInvariant() + "." + (o["apiVersion"]!.GetValue<string>().Split('/') is [var group, _] ? group : "");
                Assert.Equal(name, await Kubectl.SucceedAsync(kubeconfig, ["get", resource.TrimEnd('.'), name, .. scope, "-o", "jsonpath={.metadata.name}"]));
            }

            var fullname = release == Release ? Release : release + "-" + Release;
            Assert.Equal(ns + "/" + fullname + "-webhook", await Kubectl.SucceedAsync(kubeconfig, "get", "mutatingwebhookconfiguration", fullname, "-o", "jsonpath={.webhooks[0].clientConfig.service.namespace}/{.webhooks[0].clientConfig.service.name}"));
            Assert.Equal(ns + "/" + fullname + "-webhook", await Kubectl.SucceedAsync(kubeconfig, "get", "crd", "rollouts.rollouts.kruise.io", "-o", "jsonpath={.spec.conversion.webhook.clientConfig.service.namespace}/{.spec.conversion.webhook.clientConfig.service.name}"));
            // The CRDs are served: their resources can be listed (empty) in both Rollout versions.
            foreach (var resource in new[] { "rollouts.v1beta1.rollouts.kruise.io", "rollouts.v1alpha1.rollouts.kruise.io", "trafficroutings.rollouts.kruise.io" })
            {
                Assert.Equal("", await Kubectl.SucceedAsync(kubeconfig, "get", resource, "-A", "-o", "name"));
            }
            Assert.Equal($"ServiceAccount/{ns}/{fullname}->ClusterRole/{fullname}", await Kubectl.SucceedAsync(kubeconfig, "get", "clusterrolebinding", fullname, "-o", "jsonpath={.subjects[0].kind}/{.subjects[0].namespace}/{.subjects[0].name}->{.roleRef.kind}/{.roleRef.name}"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    // What a working install needs, whatever the values: the webhooks and the CRD's conversion call the chart's
    // Service, which selects the controller's pods on the port they serve; the controller is told the names the code
    // looks up (Service, configurations, lease); RBAC binds the service account.
    private static void AssertWired(List<JsonObject> objects, string ns, string fullname)
    {
        var service = Named(objects, "Service", fullname + "-webhook");
        Assert.Equal(ns, service["metadata"]!["namespace"]!.GetValue<string>());
        var deployment = Named(objects, "Deployment", fullname);
        Assert.Equal(ns, deployment["metadata"]!["namespace"]!.GetValue<string>());
        var podLabels = (JsonObject)deployment["spec"]!["template"]!["metadata"]!["labels"]!;
        Assert.All((JsonObject)service["spec"]!["selector"]!, l => Assert.Equal(l.Value!.GetValue<string>(), podLabels[l.Key]!.GetValue<string>()));
        Assert.All((JsonObject)deployment["spec"]!["selector"]!["matchLabels"]!, l => Assert.Equal(l.Value!.GetValue<string>(), podLabels[l.Key]!.GetValue<string>()));
        if (objects.FirstOrDefault(static o => Kind(o) == "PodDisruptionBudget") is { } pdb)
        {
            Assert.Equal(deployment["spec"]!["selector"]!.ToJsonString(), pdb["spec"]!["selector"]!.ToJsonString());
        }

        var port = ((JsonArray)Container(objects)["ports"]!).Single()!;
        Assert.Equal(service["spec"]!["ports"]![0]!["targetPort"]!.GetValue<string>(), port["name"]!.GetValue<string>());
        Assert.Equal(port["containerPort"]!.GetValue<string>(), Env(objects, "Lanes__RolloutController__Webhooks__Port"));
        // The probes call the controller's health endpoints on the webhook server (Hosting/HealthEndpointTests).
        Assert.Equal(("webhook", "/readyz", "HTTPS"), Probe(Container(objects)["readinessProbe"]!));
        Assert.Equal(("webhook", "/healthz", "HTTPS"), Probe(Container(objects)["livenessProbe"]!));

        Assert.Equal($"{ns}/{fullname}-webhook", Env(objects, "Lanes__RolloutController__Webhooks__ServiceName"));
        Assert.Equal(fullname, Env(objects, "Lanes__RolloutController__Webhooks__MutatingConfigurationName"));
        Assert.Equal(ns, Env(objects, "Lanes__RolloutController__LeaderElection__LeaseNamespace"));
        Assert.Equal("true", Env(objects, "Lanes__RolloutController__LeaderElection__Enabled"));

        var webhooks = new[] { ("MutatingWebhookConfiguration", "/mutate-apps-v1-deployment"), ("ValidatingWebhookConfiguration", "/validate-rollouts-kruise-io-rollout") };
        foreach (var (kind, path) in webhooks)
        {
            var configuration = Named(objects, kind, fullname);
            var reference = configuration["webhooks"]![0]!["clientConfig"]!["service"]!;
            Assert.Equal((ns, fullname + "-webhook", path), (reference["namespace"]!.GetValue<string>(), reference["name"]!.GetValue<string>(), reference["path"]!.GetValue<string>()));
        }

        var conversion = Named(objects, "CustomResourceDefinition", "rollouts.rollouts.kruise.io")["spec"]!["conversion"]!;
        Assert.Equal("Webhook", conversion["strategy"]!.GetValue<string>());
        Assert.Equal((ns, fullname + "-webhook", "/convert"), (conversion["webhook"]!["clientConfig"]!["service"]!["namespace"]!.GetValue<string>(), conversion["webhook"]!["clientConfig"]!["service"]!["name"]!.GetValue<string>(), conversion["webhook"]!["clientConfig"]!["service"]!["path"]!.GetValue<string>()));
        Assert.NotNull(Named(objects, "CustomResourceDefinition", "trafficroutings.rollouts.kruise.io"));

        // RBAC: every role bound to the controller's service account; namespaced resources read-only where only watched.
        var account = Single(objects, "ServiceAccount");
        Assert.Equal((fullname, ns), (account["metadata"]!["name"]!.GetValue<string>(), account["metadata"]!["namespace"]!.GetValue<string>()));
        Assert.Equal(fullname, deployment["spec"]!["template"]!["spec"]!["serviceAccountName"]!.GetValue<string>());
        foreach (var binding in objects.Where(static o => Kind(o) is "ClusterRoleBinding" or "RoleBinding"))
        {
            var subject = binding["subjects"]!.AsArray().Single()!;
            Assert.Equal(("ServiceAccount", fullname, ns), (subject["kind"]!.GetValue<string>(), subject["name"]!.GetValue<string>(), subject["namespace"]!.GetValue<string>()));
            var roleKind = binding["roleRef"]!["kind"]!.GetValue<string>();
            Assert.NotNull(Named(objects, roleKind, binding["roleRef"]!["name"]!.GetValue<string>()));
        }

        var namespaced = Rules(Named(objects, "ClusterRole", fullname));
        Assert.Contains(namespaced, static r => Strings(r["resources"]).SequenceEqual(["replicasets"]) && Strings(r["verbs"]).SequenceEqual(["list", "watch"]));
        Assert.All(namespaced, static r => Assert.DoesNotContain(Strings(r["resources"]), static x => x is "customresourcedefinitions" or "mutatingwebhookconfigurations" or "validatingwebhookconfigurations" or "secrets" or "leases"));
        Assert.Equal(ns, Named(objects, "Role", fullname)["metadata"]!["namespace"]!.GetValue<string>());
    }

    private static (string Port, string Path, string Scheme) Probe(JsonNode probe) =>
        (probe["httpGet"]!["port"]!.GetValue<string>(), probe["httpGet"]!["path"]!.GetValue<string>(), probe["httpGet"]!["scheme"]!.GetValue<string>());

    private static string Identity(JsonObject o) => $"{Kind(o)}/{o["metadata"]?["namespace"]}/{o["metadata"]!["name"]}";

    private static string Kind(JsonObject o) => o["kind"]!.GetValue<string>();

    private static JsonObject Single(List<JsonObject> objects, string kind) => objects.Single(o => Kind(o) == kind);

    private static JsonObject Named(List<JsonObject> objects, string kind, string name) =>
        objects.SingleOrDefault(o => Kind(o) == kind && o["metadata"]!["name"]!.GetValue<string>() == name)
        ?? throw new Xunit.Sdk.XunitException($"no {kind} {name} in the rendering: {string.Join(", ", objects.Select(Identity))}");

    private static JsonObject Container(List<JsonObject> objects) =>
        (JsonObject)Single(objects, "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!;

    private static string? Env(List<JsonObject> objects, string name) =>
        ((JsonArray)Container(objects)["env"]!).FirstOrDefault(e => e!["name"]!.GetValue<string>() == name)?["value"]?.GetValue<string>();

    private static List<JsonObject> Rules(JsonObject role) => role["rules"]!.AsArray().Cast<JsonObject>().ToList();

    private static string[] Strings(JsonNode? array) => array is JsonArray a ? a.Select(static x => x!.GetValue<string>()).ToArray() : [];

    // YAML documents as JSON; scalars stay strings, as YAML wrote them.
    private static List<JsonObject> Documents(string yaml)
    {
        var deserializer = new DeserializerBuilder().Build();
        var json = new SerializerBuilder().JsonCompatible().Build();
        var result = new List<JsonObject>();
        foreach (var document in yaml.Split("\n---", StringSplitOptions.RemoveEmptyEntries))
        {
            if (deserializer.Deserialize<object>(document) is { } value && JsonNode.Parse(json.Serialize(value)) is JsonObject obj)
            {
                result.Add(obj);
            }
        }

        return result;
    }
}
