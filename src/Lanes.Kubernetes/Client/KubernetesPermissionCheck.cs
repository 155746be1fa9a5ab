using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.Kubernetes.Client;

/// <summary>
/// At host start, asks the API server (SelfSubjectAccessReview, what <c>kubectl auth can-i</c> asks) whether this
/// pod may list and watch EndpointSlices and pods in its namespace, and stops the start with the missing permission
/// named when it may not: a pod without its Role should crash-loop with a clear message, not route nowhere.
/// An API server that cannot answer does not stop the start (the watches retry on their own).
/// </summary>
internal sealed partial class KubernetesPermissionCheck(
    KubernetesConnection connection,
    IOptions<KubernetesDiscoveryOptions> options,
    ILogger<KubernetesPermissionCheck> logger) : IHostedService
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    private static readonly (string Verb, string Group, string Resource)[] s_required =
    [
        ("list", KubernetesNames.DiscoveryGroup, KubernetesNames.EndpointSlices),
        ("watch", KubernetesNames.DiscoveryGroup, KubernetesNames.EndpointSlices),
        ("list", "", KubernetesNames.Pods),
        ("watch", "", KubernetesNames.Pods),
    ];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.VerifyPermissionsOnStart)
        {
            return;
        }

        var client = connection.Client;   // a configuration that cannot be read stops the start here, with its reason
        var ns = connection.Namespace;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_timeout);
        List<string> denied;
        try
        {
            denied = await ReviewAsync(client, ns, timeout.Token).ConfigureAwait(false)
                ?? await ProbeAsync(client, ns, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or HttpOperationException or KubernetesException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Log.CouldNotVerify(logger, ns, connection.Source, e.Message);
            return;
        }

        if (denied.Count > 0)
        {
            throw new InvalidOperationException(
                $"Lanes.Kubernetes: the Kubernetes API server says this process ({connection.Source}) may not {string.Join(", ", denied)} in namespace '{ns}'. " +
                "Discovery needs get, list and watch on endpointslices (API group discovery.k8s.io) and pods in each namespace it calls: bind a Role " +
                "with those rules to the pod's service account (samples/kubernetes/rbac.yaml), or set Lanes:Kubernetes:VerifyPermissionsOnStart to false.");
        }

        Log.Verified(logger, ns, connection.Source);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // The exact answer: one review per permission. Null when the server has no authorization API to ask.
    private static async Task<List<string>?> ReviewAsync(IKubernetes client, string ns, CancellationToken cancellationToken)
    {
        var denied = new List<string>();
        foreach (var (verb, group, resource) in s_required)
        {
            V1SelfSubjectAccessReview review;
            try
            {
                review = await client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(
                    new V1SelfSubjectAccessReview
                    {
                        Spec = new V1SelfSubjectAccessReviewSpec
                        {
                            ResourceAttributes = new V1ResourceAttributes { NamespaceProperty = ns, Verb = verb, Group = group, Resource = resource },
                        },
                    },
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden or HttpStatusCode.MethodNotAllowed)
            {
                return null;
            }

            if (review.Status?.Allowed != true)
            {
                denied.Add(Permission(verb, group, resource));
            }
        }

        return denied;
    }

    // Without the authorization API: try the lists themselves (this cannot tell whether watch is allowed).
    private static async Task<List<string>> ProbeAsync(IKubernetes client, string ns, CancellationToken cancellationToken)
    {
        var denied = new List<string>();
        try
        {
            await client.DiscoveryV1.ListNamespacedEndpointSliceAsync(ns, limit: 1, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            denied.Add(Permission("list", KubernetesNames.DiscoveryGroup, KubernetesNames.EndpointSlices));
        }

        try
        {
            await client.CoreV1.ListNamespacedPodAsync(ns, limit: 1, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            denied.Add(Permission("list", "", KubernetesNames.Pods));
        }

        return denied;
    }

    private static string Permission(string verb, string group, string resource) => group.Length == 0 ? $"{verb} {resource}" : $"{verb} {resource}.{group}";

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Kubernetes discovery may list and watch EndpointSlices and pods in namespace '{Namespace}' ({Source}).", EventName = "KubernetesPermissionsVerified")]
        public static partial void Verified(ILogger logger, string @namespace, string source);

        [LoggerMessage(2, LogLevel.Warning, "Could not check Kubernetes discovery's permissions in namespace '{Namespace}' ({Source}): {Reason}. Starting anyway; the watches retry on their own.", EventName = "KubernetesPermissionsUnverified")]
        public static partial void CouldNotVerify(ILogger logger, string @namespace, string source, string reason);
    }
}
