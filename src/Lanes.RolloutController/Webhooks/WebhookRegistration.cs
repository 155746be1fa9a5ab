using System.Net;
using System.Text;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Lanes.RolloutController.Webhooks;

/// <summary>
/// Keeps the controller's MutatingWebhookConfiguration pointed at the controller: out of cluster it sets
/// <c>clientConfig.url</c> to the local URL with the CA bundle and puts the configuration back as it was on shutdown;
/// in the cluster with a self-made certificate it only writes the <c>caBundle</c>.
/// </summary>
internal sealed partial class WebhookRegistration(IKubernetes client, IOptions<RolloutControllerOptions> options, ILogger<WebhookRegistration> logger)
{
    /// <summary>Kruise's name for this webhook is mdeployment.kb.io; same rules, same objectSelector.</summary>
    public const string DeploymentWebhookName = "mdeployment.rollouts.lanes.dev";

    private V1MutatingWebhookConfiguration? _original;
    private bool _created;
    private bool _pointed;

    private WebhookOptions Options => options.Value.Webhooks;

    /// <summary>The webhook as the API server must call it: Deployment UPDATE of workloads under a Rollout.</summary>
    public static V1MutatingWebhook DeploymentWebhook(Admissionregistrationv1WebhookClientConfig clientConfig) => new()
    {
        Name = DeploymentWebhookName,
        AdmissionReviewVersions = ["v1"],
        ClientConfig = clientConfig,
        FailurePolicy = "Fail",
        SideEffects = "None",
        TimeoutSeconds = 10,
        Rules = [new V1RuleWithOperations { ApiGroups = ["apps"], ApiVersions = ["v1"], Operations = ["UPDATE"], Resources = ["deployments"] }],
        ObjectSelector = new V1LabelSelector
        {
            MatchExpressions = [new V1LabelSelectorRequirement { Key = KruiseNames.WorkloadTypeLabel, OperatorProperty = "Exists" }],
        },
    };

    /// <summary>Out of cluster: the configuration calls <paramref name="baseUrl"/> and trusts <paramref name="caBundle"/>.</summary>
    public async Task PointAtAsync(Uri baseUrl, string caBundle, CancellationToken cancellationToken)
    {
        var config = new Admissionregistrationv1WebhookClientConfig
        {
            Url = new Uri(baseUrl, Webhooks.DeploymentWebhook.Path.TrimStart('/')).ToString(),
            CaBundle = Encoding.UTF8.GetBytes(caBundle),
        };
        var existing = await GetAsync(cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            await client.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(new V1MutatingWebhookConfiguration
            {
                ApiVersion = "admissionregistration.k8s.io/v1",
                Kind = "MutatingWebhookConfiguration",
                Metadata = new V1ObjectMeta { Name = Options.MutatingConfigurationName, Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "lanes-rollout-controller" } },
                Webhooks = [DeploymentWebhook(config)],
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
            _created = true;
        }
        else
        {
            _original = KubernetesJson.Deserialize<V1MutatingWebhookConfiguration>(KubernetesJson.Serialize(existing));
            var webhooks = existing.Webhooks?.Where(static w => w.Name != DeploymentWebhookName).ToList() ?? [];
            webhooks.Add(DeploymentWebhook(config));
            existing.Webhooks = webhooks;
            await client.AdmissionregistrationV1.ReplaceMutatingWebhookConfigurationAsync(existing, existing.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        _pointed = true;
        Log.Pointed(logger, Options.MutatingConfigurationName, config.Url);
    }

    /// <summary>In the cluster with a self-made CA: writes it into the configuration's caBundle.</summary>
    public async Task InjectCaBundleAsync(string caBundle, CancellationToken cancellationToken)
    {
        var existing = await GetAsync(cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            Log.ConfigurationMissing(logger, Options.MutatingConfigurationName);
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(caBundle);
        var changed = false;
        foreach (var webhook in existing.Webhooks ?? [])
        {
            if (webhook.ClientConfig.CaBundle is null || !webhook.ClientConfig.CaBundle.AsSpan().SequenceEqual(bytes))
            {
                webhook.ClientConfig.CaBundle = bytes;
                changed = true;
            }
        }

        if (changed)
        {
            await client.AdmissionregistrationV1.ReplaceMutatingWebhookConfigurationAsync(existing, existing.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
            Log.CaBundleInjected(logger, Options.MutatingConfigurationName);
        }
    }

    /// <summary>Puts back what <see cref="PointAtAsync"/> changed: deletes a configuration it created, restores one it edited.</summary>
    public async Task RestoreAsync(CancellationToken cancellationToken)
    {
        if (!_pointed)
        {
            return;
        }

        _pointed = false;
        try
        {
            if (_created)
            {
                await client.AdmissionregistrationV1.DeleteMutatingWebhookConfigurationAsync(Options.MutatingConfigurationName, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else if (_original is not null && await GetAsync(cancellationToken).ConfigureAwait(false) is { } current)
            {
                current.Webhooks = _original.Webhooks;
                await client.AdmissionregistrationV1.ReplaceMutatingWebhookConfigurationAsync(current, current.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            Log.Restored(logger, Options.MutatingConfigurationName);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    private async Task<V1MutatingWebhookConfiguration?> GetAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(Options.MutatingConfigurationName, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
