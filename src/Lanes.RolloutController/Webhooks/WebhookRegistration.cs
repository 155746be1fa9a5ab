using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using k8s;
using k8s.Autorest;

namespace Lanes.RolloutController.Webhooks;

/// <summary>
/// Keeps the API server's view of the webhooks pointed at this controller: the MutatingWebhookConfiguration (Deployment
/// hold), the ValidatingWebhookConfiguration (Rollout rules) and the Rollout CRD's conversion webhook. Out of cluster
/// it sets <c>clientConfig.url</c> to the local URL with the CA bundle and puts each object back as it was on
/// shutdown; in the cluster with a self-made certificate it only writes the <c>caBundle</c>.
/// </summary>
internal sealed partial class WebhookRegistration(IKubernetes client, IOptions<RolloutControllerOptions> options, TimeProvider timeProvider, ILogger<WebhookRegistration> logger)
{
    // Each registration step (read, change, replace) is retried on answers that say "try again" (409 after a
    // concurrent change, 429, 5xx, a broken connection) until it succeeds or the host gives up on starting or
    // stopping (its token), RetryDelay apart and doubling up to MaxRetryDelay, as a failed reconcile pass is.
    // Each attempt is bounded by AttemptTimeout: an answer that never comes (a lost response, a hung connection) must
    // cost one attempt, not the whole shutdown grace period, or the rest is never put back.
    internal static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Kruise's name for this webhook is mdeployment.kb.io; same rules, same objectSelector.</summary>
    public const string DeploymentWebhookName = "mdeployment.rollouts.lanes.dev";

    /// <summary>Kruise's name is vrollout.kb.io.</summary>
    public const string RolloutWebhookName = "vrollout.rollouts.lanes.dev";

    public const string RolloutCrdName = KruiseNames.RolloutPlural + "." + KruiseNames.Group;

    /// <summary>On an object this controller pointed at itself out of cluster: what to put back (JSON).</summary>
    public const string OriginalAnnotation = "lanes.dev/before-local-run";

    private readonly List<(Target Target, string Name)> _changed = [];

    private WebhookOptions Options => options.Value.Webhooks;

    /// <summary>The Deployment webhook as the API server must call it: UPDATE of workloads under a Rollout.</summary>
    public static JsonObject DeploymentWebhook(JsonObject clientConfig) => new()
    {
        ["name"] = DeploymentWebhookName,
        ["admissionReviewVersions"] = new JsonArray("v1"),
        ["clientConfig"] = clientConfig,
        ["failurePolicy"] = "Fail",
        ["sideEffects"] = "None",
        ["timeoutSeconds"] = 10,
        ["rules"] = new JsonArray(new JsonObject
        {
            ["apiGroups"] = new JsonArray("apps"),
            ["apiVersions"] = new JsonArray("v1"),
            ["operations"] = new JsonArray("UPDATE"),
            ["resources"] = new JsonArray("deployments"),
        }),
        ["objectSelector"] = new JsonObject
        {
            ["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = KruiseNames.WorkloadTypeLabel, ["operator"] = "Exists" }),
        },
    };

    /// <summary>The Rollout webhook: CREATE and UPDATE of both versions.</summary>
    public static JsonObject RolloutWebhook(JsonObject clientConfig) => new()
    {
        ["name"] = RolloutWebhookName,
        ["admissionReviewVersions"] = new JsonArray("v1"),
        ["clientConfig"] = clientConfig,
        ["failurePolicy"] = "Fail",
        ["sideEffects"] = "None",
        ["timeoutSeconds"] = 10,
        ["rules"] = new JsonArray(new JsonObject
        {
            ["apiGroups"] = new JsonArray(KruiseNames.Group),
            ["apiVersions"] = new JsonArray(KruiseNames.V1Alpha1, KruiseNames.V1Beta1),
            ["operations"] = new JsonArray("CREATE", "UPDATE"),
            ["resources"] = new JsonArray(KruiseNames.RolloutPlural),
        }),
    };

    /// <summary>
    /// Out of cluster: every webhook calls <paramref name="baseUrl"/> and trusts <paramref name="caBundle"/>. What each
    /// object held before is recorded in its <see cref="OriginalAnnotation"/>, so a run that dies without putting it
    /// back does not make the next run take the dead run's URL for the original.
    /// </summary>
    public async Task PointAtAsync(Uri baseUrl, string caBundle, CancellationToken cancellationToken)
    {
        var ca = Convert.ToBase64String(Encoding.UTF8.GetBytes(caBundle));
        JsonObject Url(string path) => new() { ["url"] = new Uri(baseUrl, path.TrimStart('/')).ToString(), ["caBundle"] = ca };

        await RetryAsync(ct => PointWebhooksAsync(Target.Mutating, Options.MutatingConfigurationName, "MutatingWebhookConfiguration", DeploymentWebhook(Url(Webhooks.DeploymentWebhook.Path)), ct), cancellationToken).ConfigureAwait(false);
        await RetryAsync(ct => PointWebhooksAsync(Target.Validating, Options.MutatingConfigurationName, "ValidatingWebhookConfiguration", RolloutWebhook(Url(Webhooks.RolloutWebhook.Path)), ct), cancellationToken).ConfigureAwait(false);

        // The CRD is the cluster admin's; without it there is nothing to convert.
        await RetryAsync(async ct =>
        {
            if (await GetAsync(Target.Crd, RolloutCrdName, ct).ConfigureAwait(false) is not { } crd)
            {
                Log.CrdMissing(logger, RolloutCrdName);
                return;
            }

            var spec = crd["spec"] as JsonObject ?? throw new InvalidOperationException($"CustomResourceDefinition {RolloutCrdName} has no spec");
            RecordOriginal(Target.Crd, crd, new JsonObject { ["conversion"] = spec["conversion"]?.DeepClone() });
            spec["conversion"] = new JsonObject
            {
                ["strategy"] = "Webhook",
                ["webhook"] = new JsonObject { ["conversionReviewVersions"] = new JsonArray("v1"), ["clientConfig"] = Url(ConversionWebhook.Path) },
            };
            await ReplaceAsync(Target.Crd, RolloutCrdName, crd, ct).ConfigureAwait(false);
            Remember(Target.Crd, RolloutCrdName);
        }, cancellationToken).ConfigureAwait(false);

        Log.Pointed(logger, baseUrl.ToString());
    }

    /// <summary>In the cluster with a self-made CA: writes it into every webhook's caBundle (each step retried as above).</summary>
    public async Task InjectCaBundleAsync(string caBundle, CancellationToken cancellationToken)
    {
        var ca = Convert.ToBase64String(Encoding.UTF8.GetBytes(caBundle));
        foreach (var target in new[] { Target.Mutating, Target.Validating })
        {
            await RetryAsync(async ct =>
            {
                if (await GetAsync(target, Options.MutatingConfigurationName, ct).ConfigureAwait(false) is not { } configuration)
                {
                    Log.ConfigurationMissing(logger, Plural(target), Options.MutatingConfigurationName);
                    return;
                }

                var changed = false;
                foreach (var webhook in (configuration["webhooks"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    changed |= SetCa(webhook["clientConfig"] as JsonObject, ca);
                }

                if (changed)
                {
                    await ReplaceAsync(target, Options.MutatingConfigurationName, configuration, ct).ConfigureAwait(false);
                }
            }, cancellationToken).ConfigureAwait(false);
        }

        await RetryAsync(async ct =>
        {
            if (await GetAsync(Target.Crd, RolloutCrdName, ct).ConfigureAwait(false) is { } crd &&
                crd["spec"]?["conversion"]?["webhook"]?["clientConfig"] is JsonObject clientConfig && SetCa(clientConfig, ca))
            {
                await ReplaceAsync(Target.Crd, RolloutCrdName, crd, ct).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);

        Log.CaBundleInjected(logger, Options.MutatingConfigurationName);
    }

    /// <summary>
    /// Puts back what <see cref="PointAtAsync"/> changed, from each object's <see cref="OriginalAnnotation"/>: deletes
    /// the configurations it created, puts back its webhook entry (and nobody else's) or the CRD's conversion. What
    /// cannot be put back (the API server keeps failing, shutdown ran out of time) is logged as an error naming the
    /// object, which then still calls this stopped controller, and the rest is still restored.
    /// </summary>
    public async Task RestoreAsync(CancellationToken cancellationToken)
    {
        for (var i = _changed.Count - 1; i >= 0; i--)
        {
            var (target, name) = _changed[i];
            try
            {
                await RetryAsync(ct => RestoreOneAsync(target, name, ct), cancellationToken).ConfigureAwait(false);
                Log.Restored(logger, Plural(target), name);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Shutdown goes on whatever the API server or the connection did (a fault test once saw HttpClient fail
                // to parse a status line here); the object is named so it can be put back by hand.
                Log.RestoreFailed(logger, Plural(target), name, e);
            }
        }

        _changed.Clear();
    }

    private async Task RestoreOneAsync(Target target, string name, CancellationToken cancellationToken)
    {
        try
        {
            if (await GetAsync(target, name, cancellationToken).ConfigureAwait(false) is not { } current ||
                current["metadata"]?["annotations"] is not JsonObject annotations ||
                annotations[OriginalAnnotation]?.GetValue<string>() is not { } recorded)
            {
                // Gone, or already put back (by hand, or by a later run): nothing of ours is left.
                return;
            }

            var original = JsonNode.Parse(recorded) as JsonObject ?? [];
            if (original["created"]?.GetValue<bool>() == true)
            {
                await DeleteAsync(target, name, cancellationToken).ConfigureAwait(false);
                return;
            }

            annotations.Remove(OriginalAnnotation);
            if (target == Target.Crd)
            {
                var spec = (JsonObject)current["spec"]!;
                spec.Remove("conversion");
                if (original["conversion"] is JsonObject conversion)
                {
                    spec["conversion"] = conversion.DeepClone();
                }
            }
            else
            {
                var ours = target == Target.Mutating ? DeploymentWebhookName : RolloutWebhookName;
                var webhooks = new JsonArray();
                foreach (var webhook in (current["webhooks"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    var restored = webhook["name"]?.GetValue<string>() == ours ? original["webhook"] : webhook;
                    if (restored is not null)
                    {
                        webhooks.Add(restored.DeepClone());
                    }
                }

                current["webhooks"] = webhooks;
            }

            await ReplaceAsync(target, name, current, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone: nothing to put back.
        }
    }

    // The first run to change an object records what it held; a later run finding the record keeps it, because then
    // a run died before putting the object back and what the object holds now is that run's dead URL.
    private void RecordOriginal(Target target, JsonObject obj, JsonObject original)
    {
        var metadata = (JsonObject)obj["metadata"]!;
        var annotations = metadata["annotations"] as JsonObject;
        if (annotations is null)
        {
            annotations = [];
            metadata["annotations"] = annotations;
        }

        if (annotations[OriginalAnnotation] is not null)
        {
            Log.PreviousRunNotRestored(logger, Plural(target), metadata["name"]?.GetValue<string>() ?? "");
            return;
        }

        annotations[OriginalAnnotation] = original.ToJsonString();
    }

    private void Remember(Target target, string name)
    {
        if (!_changed.Contains((target, name)))
        {
            _changed.Add((target, name));
        }
    }

    private async Task RetryAsync(Func<CancellationToken, Task> step, CancellationToken cancellationToken)
    {
        var delay = options.Value.RetryDelay;
        while (true)
        {
            using var attempt = new CancellationTokenSource(AttemptTimeout, timeProvider);
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attempt.Token);
            try
            {
                await step(bounded.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when ((IsTransient(e) || attempt.IsCancellationRequested) && !cancellationToken.IsCancellationRequested)
            {
                Log.RetryingRegistration(logger, delay, e);
                await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.Value.MaxRetryDelay.Ticks));
            }
        }
    }

    private static bool IsTransient(Exception e) => e switch
    {
        HttpOperationException { Response.StatusCode: HttpStatusCode.Conflict or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError } => true,
        HttpRequestException => true,
        _ => false,
    };

    private async Task PointWebhooksAsync(Target target, string name, string kind, JsonObject webhook, CancellationToken cancellationToken)
    {
        var ours = webhook["name"]!.GetValue<string>();
        var existing = await GetAsync(target, name, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            await client.CustomObjects.CreateClusterCustomObjectAsync(new JsonObject
            {
                ["apiVersion"] = "admissionregistration.k8s.io/v1",
                ["kind"] = kind,
                ["metadata"] = new JsonObject
                {
                    ["name"] = name,
                    ["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = "lanes-rollout-controller" },
                    ["annotations"] = new JsonObject { [OriginalAnnotation] = new JsonObject { ["created"] = true }.ToJsonString() },
                },
                ["webhooks"] = new JsonArray(webhook),
            }, "admissionregistration.k8s.io", "v1", Plural(target), cancellationToken: cancellationToken).ConfigureAwait(false);
            Remember(target, name);
            return;
        }

        var webhooks = new JsonArray();
        JsonObject? previous = null;
        foreach (var other in (existing["webhooks"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (other["name"]?.GetValue<string>() == ours)
            {
                previous = other;
            }
            else
            {
                webhooks.Add(other.DeepClone());
            }
        }

        RecordOriginal(target, existing, new JsonObject { ["webhook"] = previous?.DeepClone() });
        webhooks.Add(webhook);
        existing["webhooks"] = webhooks;
        await ReplaceAsync(target, name, existing, cancellationToken).ConfigureAwait(false);
        Remember(target, name);
    }

    private static bool SetCa(JsonObject? clientConfig, string ca)
    {
        if (clientConfig is null || clientConfig["caBundle"]?.GetValue<string>() == ca)
        {
            return false;
        }

        clientConfig["caBundle"] = ca;
        return true;
    }

    private async Task<JsonObject?> GetAsync(Target target, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CustomObjects.GetClusterCustomObjectAsync<JsonObject>(Group(target), "v1", Plural(target), name, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private Task ReplaceAsync(Target target, string name, JsonObject body, CancellationToken cancellationToken) =>
        client.CustomObjects.ReplaceClusterCustomObjectAsync(body, Group(target), "v1", Plural(target), name, cancellationToken: cancellationToken);

    private Task DeleteAsync(Target target, string name, CancellationToken cancellationToken) =>
        client.CustomObjects.DeleteClusterCustomObjectAsync(Group(target), "v1", Plural(target), name, cancellationToken: cancellationToken);

    private static string Group(Target target) => target == Target.Crd ? "apiextensions.k8s.io" : "admissionregistration.k8s.io";

    private static string Plural(Target target) => target switch
    {
        Target.Mutating => "mutatingwebhookconfigurations",
        Target.Validating => "validatingwebhookconfigurations",
        _ => "customresourcedefinitions",
    };

    private enum Target
    {
        Mutating,
        Validating,
        Crd,
    }
}
