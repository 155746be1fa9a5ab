using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Lanes.Cli;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Cluster;
using Lanes.RolloutController.Tests.TestSupport;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using Xunit.Abstractions;
using YamlDotNet.Serialization;

namespace Lanes.RolloutController.Tests.Deploy;

/// <summary>
/// The chart's RBAC derived from the code: the controller (its reconcilers, traffic providers, analysis, leader
/// election and webhooks) and kubectl lanes run a whole release, a rollback and a deletion against the emulator with
/// RBAC enforced and the chart's roles applied, each as its own user; the emulator's audit records every request by
/// user. A missing grant fails the run; the recorded (scope, API group, resource, verb) set must then equal what the
/// chart grants, rule for rule: nothing missing, nothing extra, names where the chart narrows a rule to names.
/// </summary>
public sealed class RbacFromCodeTests(ITestOutputHelper output)
{
    private const string Release = "lanes-rollout-controller";
    private const string ControllerNamespace = "lanes-system";
    private const string Controller = "system:serviceaccount:" + ControllerNamespace + ":" + Release;
    private const string Operator = "jane@example.com";
    private const string Ns = TestCluster.Ns;

    // What every authenticated user may do on any cluster (the bootstrap roles system:basic-user and system:discovery):
    // never part of a chart's roles.
    private static readonly HashSet<string> GrantedToEveryone = ["authorization.k8s.io/selfsubjectaccessreviews", "authorization.k8s.io/selfsubjectrulesreviews"];

    [HelmFact]
    public async Task ChartRoles_GrantExactlyWhatTheControllerItsWebhooksAndTheCliCall_ThroughAReleaseARollbackAndADeletion()
    {
        var rendered = await Helm.TemplateAsync(Release, ControllerNamespace);
        var chart = Documents(rendered);
        var audit = new ApiAudit();

        // One status write of the controller's conflicts, as when someone approves at the same moment: the controller
        // then reads the Rollout afresh (a get its cache otherwise spares).
        var conflicted = 0;
        ApiFault? ConflictOnce(ApiRequest r) =>
            r is { Verb: "update", Subresource: "status", Name: "rollout-app" } && r.Type == ResourceType.Rollouts && Interlocked.Exchange(ref conflicted, 1) == 0 ? ApiFault.Conflict : null;
        await using var cluster = await TestCluster.StartAsync(new EmulatorOptions { EnforceRbac = true, OwnerReferencesPermissionEnforcement = true, Audit = audit, Faults = ConflictOnce });
        cluster.Emulator.ApplyManifests(rendered, ControllerNamespace);

        // A cluster admin lets Jane operate releases in the app's namespace, as deploy/README.md says.
        cluster.Emulator.ApplyManifests($"""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata:
              name: jane-operates-releases
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: ClusterRole
              name: {Release}-operator
            subjects:
            - apiGroup: rbac.authorization.k8s.io
              kind: User
              name: {Operator}
            """, Ns);

        // The controller's configuration is the chart's (its Deployment's environment), on loopback ports.
        var settings = ChartSettings(chart);
        settings["Lanes:RolloutController:Webhooks:Host"] = "127.0.0.1";
        settings["Lanes:RolloutController:Webhooks:Port"] = "0";
        settings["Lanes:RolloutController:LeaderElection:RetryPeriod"] = "00:00:00.200";

        // In the cluster: the serving certificate's Secret is created, the CA written into the webhook configurations
        // and the CRD, the lease taken and the informers synced. The API server cannot call a Service here, so the
        // release below runs with the webhooks served on loopback (the out-of-cluster mode, which points the same
        // configurations at it) under the same roles.
        var inCluster = new Dictionary<string, string?>(settings) { ["Lanes:RolloutController:Webhooks:LocalUrl"] = null };
        await using (var first = await ControllerHost.StartAsync(cluster.Emulator, settings: inCluster, user: Controller))
        {
            await Eventually.WaitAsync(() => Synced(first), "the in-cluster controller's informers to sync", describe: () => string.Join(Environment.NewLine, audit.Records.Where(static r => !r.Allowed).Select(Describe)));
            Assert.NotNull(cluster.Store.Get(new StoredObjectKey(new ResourceType("", "secrets"), ControllerNamespace, Release + "-webhook-certs")));
        }

        using var prometheus = WireMockServer.Start();
        prometheus.Given(Request.Create().WithPath("/api/v1/query").UsingGet()).RespondWith(Response.Create().WithStatusCode(200)
            .WithHeader("Content-Type", "application/json")
            .WithBody("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1764576000.1,"0"]}]}}"""));
        await ApplyAppsAsync(cluster, prometheus.Url!);
        var kubeconfig = Path.Combine(Directory.CreateTempSubdirectory("lanes-rbac-").FullName, "kubeconfig");
        File.WriteAllText(kubeconfig, cluster.Emulator.KubeConfig(Ns, Operator));
        try
        {
            await using (var controller = await ControllerHost.StartAsync(cluster.Emulator, settings: settings, user: Controller))
            {
                await RunReleasesAsync(cluster, kubeconfig);
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(kubeconfig)!, recursive: true);
        }

        // Enforced: nothing either of them asked for was refused.
        Assert.Empty(audit.Records.Where(static r => !r.Allowed).Select(Describe));

        var controllerGrants = Grants(chart, cluster.Store.Catalog, s => s["kind"]!.GetValue<string>() == "ServiceAccount" && s["name"]!.GetValue<string>() == Release);
        AssertExactly("the controller's service account", Used(audit.For(Controller)), controllerGrants);
        var operatorRole = Named(chart, "ClusterRole", Release + "-operator");
        AssertExactly("the operator role (kubectl lanes)", Used(audit.For(Operator)), RoleGrants(operatorRole, "every namespace", cluster.Store.Catalog));

        // Split by scope: no role mixes cluster-scoped and namespaced resources, and only the controller's own
        // namespace holds its Lease and Secret.
        foreach (var role in chart.Where(static o => o["kind"]!.GetValue<string>() is "ClusterRole" or "Role"))
        {
            var scopes = RulesOf(role, "x", cluster.Store.Catalog).Select(static g => g.Scope == "cluster").Distinct().Count();
            Assert.True(scopes <= 1, $"{role["kind"]} {role["metadata"]!["name"]} mixes cluster-scoped and namespaced resources");
        }
    }

    private static async Task ApplyAppsAsync(TestCluster cluster, string prometheus)
    {
        // app: the seed's shape, an MSE Ingress through a shared TrafficRouting; pods labelled with the rollout-id batch.
        await cluster.ApplyAppAsync("app", 2, "example/app:v1");
        cluster.Apply(TestCluster.SeedStyleRollout("rollout-app", "app"));

        // web: its own routes on a Gateway API HTTPRoute (canary Service, rules rewritten), three steps for rollback.
        await cluster.ApplyAppAsync("web", 2, "example/web:v1");
        cluster.Apply(TestCluster.ServiceAndIngress("web").Split("---")[0]);
        cluster.Apply("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: web
            spec:
              parentRefs:
              - name: public
              rules:
              - matches:
                - path:
                    type: PathPrefix
                    value: /
                backendRefs:
                - name: web
                  port: 80
            """);
        cluster.Apply(TestCluster.OwnRoutesRollout("web", "gateway:\n          httpRouteName: web", Steps));

        // lane: its own routes on the Lanes gateway's rules ConfigMap, with an analysis template.
        await cluster.ApplyAppAsync("lane", 2, "example/lane:v1");
        cluster.Apply(TestCluster.ServiceAndIngress("lane").Split("---")[0]);
        cluster.Emulator.ApplyManifests($$"""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: lanes-entry-entry
            ---
            apiVersion: lanes.dev/v1alpha1
            kind: AnalysisTemplate
            metadata:
              name: quick
            spec:
              metrics:
              - name: errors
                interval: 1s
                count: 1
                successCondition: result[0] <= 1
                provider:
                  prometheus:
                    address: "{{prometheus}}"
                    query: up
            """, Ns);
        var lane = Manifests.Load(TestCluster.OwnRoutesRollout("lane", "ingress:\n          classType: lanes\n          name: entry", """
                  - replicas: 1
                    matches:
                    - headers:
                      - type: Exact
                        name: User-Agent
                        value: xiaoming
                    requestHeaderModifier:
                      set:
                      - name: x-mse-tag
                        value: gray
                    pause: {}
                  - replicas: 100%
                    traffic: 100%
                    requestHeaderModifier:
                      set:
                      - name: x-mse-tag
                        value: gray
            """)).Single();
        lane.Object["metadata"]!["annotations"] = new JsonObject { ["lanes.dev/analysis"] = "quick" };
        cluster.Apply([lane]);

        // The Secret the entry's lane tokens are signed with (kubectl lanes token).
        cluster.Emulator.ApplyManifests("""
            apiVersion: v1
            kind: Secret
            metadata:
              name: lane-token-keys
            data:
              2026-11: MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=
            """, Ns);
    }

    private const string Steps = """
              - replicas: 1
                matches:
                - headers:
                  - type: Exact
                    name: User-Agent
                    value: xiaoming
                pause: {}
              - replicas: 50%
                traffic: 50%
                pause: {}
              - replicas: 100%
                traffic: 100%
        """;

    private async Task RunReleasesAsync(TestCluster cluster, string kubeconfig)
    {
        foreach (var name in new[] { "rollout-app", "rollout-web", "rollout-lane" })
        {
            await cluster.WaitForRolloutAsync(name, static r => TestCluster.Phase(r) == RolloutPhases.Healthy, "Healthy");
        }

        await CliAsync(kubeconfig, "rollout", "list");

        // A release of each: the deployer (an admin, as a CD system would be) changes the images.
        await SetImageAsync(cluster, "app", "example/app:v2", rolloutId: "r2");
        await SetImageAsync(cluster, "web", "example/web:v2");
        await SetImageAsync(cluster, "lane", "example/lane:v2");

        await cluster.WaitForStepPausedAsync("rollout-app", 1);
        await CliAsync(kubeconfig, "rollout", "status", "rollout-app");
        await CliAsync(kubeconfig, "rollout", "approve", "rollout-app");
        await cluster.WaitForCompletedAsync("rollout-app");
        await CliAsync(kubeconfig, "rollout", "history", "rollout-app");

        // Rollback: to an earlier step, then of the whole release while the Deployment is paused; pause and resume.
        await cluster.WaitForStepPausedAsync("rollout-web", 1);
        await CliAsync(kubeconfig, "rollout", "approve", "rollout-web");
        await cluster.WaitForStepPausedAsync("rollout-web", 2);
        await CliAsync(kubeconfig, "rollout", "rollback", "rollout-web", "--to-step", "1");
        await cluster.WaitForStepPausedAsync("rollout-web", 1);
        await CliAsync(kubeconfig, "rollout", "pause", "rollout-web");
        await CliAsync(kubeconfig, "rollout", "resume", "rollout-web");
        await CliAsync(kubeconfig, "rollout", "rollback", "rollout-web");
        await cluster.WaitForRolloutAsync("rollout-web", static r => TestCluster.Condition(r, ConditionTypes.Succeeded)?["status"]?.GetValue<string>() == "False", "canceled by the rollback");

        // Followed to its end with status --watch, through the analysis.
        await cluster.WaitForStepPausedAsync("rollout-lane", 1);
        await CliAsync(kubeconfig, "rollout", "approve", "rollout-lane");
        await CliAsync(kubeconfig, "rollout", "status", "rollout-lane", "--watch", "--interval", "200ms", "--timeout", "60s");
        await CliAsync(kubeconfig, "token", "--lane", "gray", "--secret", "lane-token-keys");

        // Deletion in the middle of a release: the controller finalises (canary, routes, Deployment resumed).
        await cluster.WaitForIdleAsync("app");
        await SetImageAsync(cluster, "app", "example/app:v3", rolloutId: "r3");
        await cluster.WaitForStepPausedAsync("rollout-app", 1);
        foreach (var name in new[] { "rollout-app", "rollout-web", "rollout-lane" })
        {
            await cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(KruiseNames.Group, KruiseNames.V1Beta1, Ns, KruiseNames.RolloutPlural, name);
        }

        await Eventually.WaitAsync(() => cluster.Store.List(ResourceType.Rollouts, Ns).Items.Count == 0, "the Rollouts to be finalised and deleted");
        await Eventually.WaitAsync(() => cluster.Canaries("app").Count == 0 && cluster.Get(ResourceType.Ingresses, "app-canary") is null, "the canary of app to be removed");
    }

    private static Task SetImageAsync(TestCluster cluster, string deployment, string image, string? rolloutId = null)
    {
        var patch = new JsonObject
        {
            ["spec"] = new JsonObject { ["template"] = new JsonObject { ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = image }) } } },
        };
        if (rolloutId is not null)
        {
            patch["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [KruiseNames.RolloutIdLabel] = rolloutId } };
        }

        return cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.StrategicMergePatch), deployment, Ns);
    }

    private async Task CliAsync(string kubeconfig, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await KubectlLanes.RunAsync([.. args, "--kubeconfig", kubeconfig], new CliConsole(TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), IsTerminal: false));
        output.WriteLine($"$ kubectl lanes {string.Join(' ', args)} -> {code}{Environment.NewLine}{stdout}{stderr}");
        Assert.True(code == 0, $"kubectl lanes {string.Join(' ', args)} exited with {code}: {stderr}");
    }

    private static bool Synced(ControllerHost host)
    {
        var cache = host.Get<ClusterCache>();
        return cache.Rollouts.IsSynced && cache.TrafficRoutings.IsSynced && cache.Deployments.IsSynced && cache.ReplicaSets.IsSynced;
    }

    // The chart Deployment's environment as configuration keys (Lanes__RolloutController__X -> Lanes:RolloutController:X).
    private static Dictionary<string, string?> ChartSettings(List<JsonObject> chart)
    {
        var container = Named(chart, "Deployment", Release)["spec"]!["template"]!["spec"]!["containers"]![0]!;
        return ((JsonArray)container["env"]!).OfType<JsonObject>()
            .Where(static e => e["value"] is not null && e["name"]!.GetValue<string>().StartsWith("Lanes__", StringComparison.Ordinal))
            .ToDictionary(static e => e["name"]!.GetValue<string>().Replace("__", ":", StringComparison.Ordinal), static e => (string?)e["value"]!.GetValue<string>());
    }

    /// <summary>One grant: where (cluster, every namespace, or one namespace), API group, resource[/subresource], verb.</summary>
    private sealed record Grant(string Scope, string Group, string Resource, string Verb)
    {
        public override string ToString() => $"{Verb} {(Group.Length == 0 ? "" : Group + "/")}{Resource} ({Scope})";
    }

    // What was used, with the names each grant was used on (null when a request named none).
    private static Dictionary<Grant, HashSet<string?>> Used(IEnumerable<ApiAuditRecord> records)
    {
        var used = new Dictionary<Grant, HashSet<string?>>();
        foreach (var r in records)
        {
            if (GrantedToEveryone.Contains(r.Group + "/" + r.Resource))
            {
                continue;
            }

            // The app's namespace stands for any namespace the controller serves; its own namespace is its own.
            var scope = r.ClusterScoped ? "cluster" : r.Namespace == ControllerNamespace ? "namespace " + ControllerNamespace : "every namespace";
            var grant = new Grant(scope, r.Group, r.RbacResource, r.Verb);
            if (!used.TryGetValue(grant, out var names))
            {
                used[grant] = names = [];
            }

            names.Add(r.Name);
        }

        return used;
    }

    // What the chart grants the subjects <paramref name="subject"/> matches, through its bindings, with resourceNames (null: any name).
    private static Dictionary<Grant, HashSet<string>?> Grants(List<JsonObject> chart, ResourceCatalog catalog, Func<JsonObject, bool> subject)
    {
        var grants = new Dictionary<Grant, HashSet<string>?>();
        foreach (var binding in chart.Where(static o => o["kind"]!.GetValue<string>() is "ClusterRoleBinding" or "RoleBinding"))
        {
            if (!binding["subjects"]!.AsArray().OfType<JsonObject>().Any(subject))
            {
                continue;
            }

            var namespaced = binding["kind"]!.GetValue<string>() == "RoleBinding";
            var role = Named(chart, binding["roleRef"]!["kind"]!.GetValue<string>(), binding["roleRef"]!["name"]!.GetValue<string>());
            var where = namespaced ? "namespace " + binding["metadata"]!["namespace"]!.GetValue<string>() : "every namespace";
            foreach (var (grant, names) in RulesOf(role, where, catalog).Select(static g => (g, g.Names)))
            {
                var key = new Grant(grant.Scope, grant.Group, grant.Resource, grant.Verb);
                grants[key] = !grants.TryGetValue(key, out var existing) ? names
                    : existing is null || names is null ? null : [.. existing, .. names];
            }
        }

        return grants;
    }

    private sealed record RuleGrant(string Scope, string Group, string Resource, string Verb, HashSet<string>? Names);

    private static List<RuleGrant> RulesOf(JsonObject role, string namespacedScope, ResourceCatalog catalog)
    {
        var result = new List<RuleGrant>();
        foreach (var rule in role["rules"]!.AsArray().OfType<JsonObject>())
        {
            var names = rule["resourceNames"] is JsonArray { Count: > 0 } n ? n.Select(static x => x!.GetValue<string>()).ToHashSet() : null;
            foreach (var group in Strings(rule["apiGroups"]))
            {
                foreach (var resource in Strings(rule["resources"]))
                {
                    var definition = catalog.Find(new ResourceType(group, resource.Split('/')[0]));
                    var scope = definition is { Namespaced: false } ? "cluster" : namespacedScope;
                    foreach (var verb in Strings(rule["verbs"]))
                    {
                        result.Add(new RuleGrant(scope, group, resource, verb, names));
                    }
                }
            }
        }

        return result;
    }

    private static Dictionary<Grant, HashSet<string>?> RoleGrants(JsonObject role, string scope, ResourceCatalog catalog) =>
        RulesOf(role, scope, catalog).GroupBy(static g => new Grant(g.Scope, g.Group, g.Resource, g.Verb))
            .ToDictionary(static g => g.Key, static g => g.Any(static x => x.Names is null) ? null : g.SelectMany(static x => x.Names!).ToHashSet());

    private static void AssertExactly(string who, Dictionary<Grant, HashSet<string?>> used, Dictionary<Grant, HashSet<string>?> granted)
    {
        var missing = used.Keys.Where(g => !granted.ContainsKey(g)).Select(static g => g.ToString()).Order(StringComparer.Ordinal).ToList();
        var extra = granted.Keys.Where(g => !used.ContainsKey(g)).Select(static g => g.ToString()).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"{who}: granted but never used: [{string.Join("; ", extra)}]; used but not granted: [{string.Join("; ", missing)}]");

        // A rule narrowed to names lists exactly the names used (a narrowed rule cannot have served a request without one).
        foreach (var (grant, names) in granted)
        {
            if (names is not null)
            {
                Assert.Equal(used[grant].Select(static n => n ?? "(none)").Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
            }
        }
    }

    private static string Describe(ApiAuditRecord r) =>
        $"{r.User} {r.Verb} {(r.Group.Length == 0 ? "" : r.Group + "/")}{r.RbacResource} {r.Name} in {(r.ClusterScoped ? "(cluster)" : r.Namespace ?? "(all namespaces)")}";

    private static JsonObject Named(List<JsonObject> objects, string kind, string name) =>
        objects.SingleOrDefault(o => o["kind"]!.GetValue<string>() == kind && o["metadata"]!["name"]!.GetValue<string>() == name)
        ?? throw new Xunit.Sdk.XunitException($"no {kind} {name} in the chart's rendering");

    private static string[] Strings(JsonNode? array) => array is JsonArray a ? a.Select(static x => x!.GetValue<string>()).ToArray() : [];

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
