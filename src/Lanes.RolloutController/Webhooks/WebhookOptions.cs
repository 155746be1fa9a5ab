namespace Lanes.RolloutController.Webhooks;

/// <summary>The admission webhooks, bound from <c>Lanes:RolloutController:Webhooks</c>.</summary>
internal sealed class WebhookOptions
{
    /// <summary>Serve the webhooks. Default true; without them a release is only caught by the level-triggered fallback.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Address to listen on. Default <c>0.0.0.0</c> (in a Pod); <see cref="LocalUrl"/> sets it for out-of-cluster runs.</summary>
    public string Host { get; set; } = "0.0.0.0";

    /// <summary>HTTPS port. Default 9443 (controller-runtime's); 0 picks a free one.</summary>
    public int Port { get; set; } = 9443;

    /// <summary>
    /// Directory with <c>tls.crt</c> and <c>tls.key</c> (a mounted Secret, e.g. from cert-manager). Files are re-read
    /// every <see cref="CertificateReloadInterval"/>, so a rotated certificate is served without a restart.
    /// </summary>
    public string? CertificateDirectory { get; set; }

    /// <summary>
    /// <c>namespace/name</c> of a <c>kubernetes.io/tls</c> Secret holding the serving certificate (used when
    /// <see cref="CertificateDirectory"/> is not set). If it is missing, the controller creates it with its own CA for
    /// <see cref="ServiceName"/> and writes the CA into its webhook configurations' <c>caBundle</c>.
    /// </summary>
    public string? CertificateSecret { get; set; }

    /// <summary>The webhook Service (<c>namespace/name</c>) the API server calls in the cluster, for the self-made certificate.</summary>
    public string ServiceName { get; set; } = "lanes-system/lanes-rollout-controller-webhook";

    /// <summary>How often certificate files or the Secret are checked for a rotation. Default 30 s.</summary>
    public TimeSpan CertificateReloadInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Name of the MutatingWebhookConfiguration the controller keeps pointed at itself.</summary>
    public string MutatingConfigurationName { get; set; } = "lanes-rollout-controller";

    /// <summary>
    /// Out of cluster: <c>https://127.0.0.1:&lt;port&gt;</c>. The controller serves its webhooks there under a CA it
    /// creates, points its webhook configurations at that URL with the CA bundle, and puts them back on shutdown.
    /// Port 0 picks a free port.
    /// </summary>
    public Uri? LocalUrl { get; set; }
}
