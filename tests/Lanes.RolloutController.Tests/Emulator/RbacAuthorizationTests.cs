using System.Net;
using System.Net.Http.Headers;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.RolloutController.Tests.Emulator;

/// <summary>
/// The emulator's RBAC as the API server's (https://kubernetes.io/docs/reference/access-authn-authz/rbac/), its
/// OwnerReferencesPermissionEnforcement admission plugin, and the audit of who asked for what.
/// </summary>
public sealed class RbacAuthorizationTests
{
    private const string User = "jane";

    /// <summary>
    /// "You can also refer to resources by name for certain requests through the resourceNames list": a rule with names
    /// allows only requests for those names, so never a create, nor a list or watch unless narrowed to the name by
    /// <c>fieldSelector=metadata.name=</c>.
    /// </summary>
    [Fact]
    public async Task ARuleWithResourceNames_AllowsOnlyThoseNames()
    {
        var audit = new ApiAudit();
        await using var cluster = await TestCluster.StartAsync(new EmulatorOptions { EnforceRbac = true, Audit = audit });
        cluster.Emulator.ApplyManifests("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: mine
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: other
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata:
              name: one-configmap
            rules:
            - apiGroups: [""]
              resources: [configmaps]
              resourceNames: [mine]
              verbs: [get, list, create]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata:
              name: jane-one-configmap
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: Role
              name: one-configmap
            subjects:
            - apiGroup: rbac.authorization.k8s.io
              kind: User
              name: jane
            """);
        using var http = EmulatorHttp.Client(cluster.Emulator);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", User);

        await EmulatorHttp.SendAsync(http, HttpMethod.Get, "api/v1/namespaces/default/configmaps/mine", null, HttpStatusCode.OK);
        await EmulatorHttp.SendAsync(http, HttpMethod.Get, "api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dmine", null, HttpStatusCode.OK);
        var refused = await EmulatorHttp.SendAsync(http, HttpMethod.Get, "api/v1/namespaces/default/configmaps/other", null, HttpStatusCode.Forbidden);
        Assert.Equal("configmaps \"other\" is forbidden: User \"jane\" cannot get resource \"configmaps\" in API group \"\" in the namespace \"default\"", refused["message"]!.GetValue<string>());
        await EmulatorHttp.SendAsync(http, HttpMethod.Get, "api/v1/namespaces/default/configmaps", null, HttpStatusCode.Forbidden);
        await EmulatorHttp.SendAsync(http, HttpMethod.Post, "api/v1/namespaces/default/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"mine"}}""", HttpStatusCode.Forbidden);
        // Another namespace has no binding.
        await EmulatorHttp.SendAsync(http, HttpMethod.Get, "api/v1/namespaces/other/configmaps/mine", null, HttpStatusCode.Forbidden);

        string[] expected = ["get configmaps mine default True", "list configmaps mine default True", "get configmaps other default False", "list configmaps  default False", "create configmaps  default False", "get configmaps mine other False"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), audit.For(User).Select(static r => $"{r.Verb} {r.RbacResource} {r.Name} {r.Namespace} {r.Allowed}").Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#ownerreferencespermissionenforcement:
    /// setting blockOwnerDeletion on a reference needs update on the owner's finalizers subresource, and changing
    /// ownerReferences at all needs delete on the object.
    /// </summary>
    [Fact]
    public async Task BlockOwnerDeletion_NeedsUpdateOnTheOwnersFinalizers_WhenThePluginRuns()
    {
        await using var cluster = await TestCluster.StartAsync(new EmulatorOptions { EnforceRbac = true, OwnerReferencesPermissionEnforcement = true });
        Grant(cluster, "configmaps", "create, delete");
        using var http = EmulatorHttp.Client(cluster.Emulator);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", User);
        var owner = cluster.Emulator.ApplyManifests("""
            apiVersion: rollouts.kruise.io/v1beta1
            kind: Rollout
            metadata:
              name: r
            spec:
              workloadRef:
                apiVersion: apps/v1
                kind: Deployment
                name: app
            """).Single();
        var owned = """
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"NAME","ownerReferences":[{"apiVersion":"rollouts.kruise.io/v1beta1","kind":"Rollout","name":"r","uid":"UID","blockOwnerDeletion":BLOCK}]}}
            """.Replace("UID", owner["metadata"]!["uid"]!.GetValue<string>(), StringComparison.Ordinal);

        await EmulatorHttp.SendAsync(http, HttpMethod.Post, "api/v1/namespaces/default/configmaps", owned.Replace("NAME", "plain", StringComparison.Ordinal).Replace("BLOCK", "false", StringComparison.Ordinal), HttpStatusCode.Created);
        var refused = await EmulatorHttp.SendAsync(http, HttpMethod.Post, "api/v1/namespaces/default/configmaps", owned.Replace("NAME", "blocking", StringComparison.Ordinal).Replace("BLOCK", "true", StringComparison.Ordinal), HttpStatusCode.Forbidden);
        Assert.StartsWith("cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: rollouts/finalizers.rollouts.kruise.io \"r\" is forbidden", refused["message"]!.GetValue<string>(), StringComparison.Ordinal);

        Grant(cluster, "configmaps", "create, delete", extra: "- apiGroups: [rollouts.kruise.io]\n  resources: [rollouts/finalizers]\n  verbs: [update]");
        await EmulatorHttp.SendAsync(http, HttpMethod.Post, "api/v1/namespaces/default/configmaps", owned.Replace("NAME", "blocking", StringComparison.Ordinal).Replace("BLOCK", "true", StringComparison.Ordinal), HttpStatusCode.Created);

        // Without delete on the object, no ownerReferences at all.
        Grant(cluster, "configmaps", "create");
        var noDelete = await EmulatorHttp.SendAsync(http, HttpMethod.Post, "api/v1/namespaces/default/configmaps", owned.Replace("NAME", "other", StringComparison.Ordinal).Replace("BLOCK", "false", StringComparison.Ordinal), HttpStatusCode.Forbidden);
        Assert.StartsWith("cannot set an ownerRef on a resource you can't delete", noDelete["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static void Grant(TestCluster cluster, string resource, string verbs, string extra = "") =>
        cluster.Emulator.ApplyManifests($"""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata:
              name: jane
            rules:
            - apiGroups: [""]
              resources: [{resource}]
              verbs: [{verbs}]
            {extra}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata:
              name: jane
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: Role
              name: jane
            subjects:
            - apiGroup: rbac.authorization.k8s.io
              kind: User
              name: {User}
            """);
}
