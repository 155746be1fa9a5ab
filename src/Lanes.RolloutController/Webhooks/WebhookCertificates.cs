using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Lanes.RolloutController.Cluster;
using Lanes.RolloutController.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Lanes.RolloutController.Webhooks;

/// <summary>
/// The webhooks' serving certificate: from files (re-read when they change), from a Secret (created with a CA of the
/// controller's own when missing, re-read when rotated), or made in memory for an out-of-cluster <c>LocalUrl</c>.
/// Kestrel asks for it on every handshake, so a rotated certificate is served without a restart.
/// </summary>
internal sealed partial class WebhookCertificates(IKubernetes client, IOptions<RolloutControllerOptions> options, TimeProvider timeProvider, ILogger<WebhookCertificates> logger)
{
    private static readonly TimeSpan Validity = TimeSpan.FromDays(365 * 10);
    private readonly Lock _gate = new();
    private X509Certificate2? _current;
    private byte[]? _fingerprint;
    private DateTimeOffset _nextFileCheck;

    /// <summary>PEM of the CA the API server must trust, when the controller made it; otherwise null.</summary>
    public string? CaBundle { get; private set; }

    public WebhookCertificateMode Mode { get; private set; }

    private WebhookOptions Options => options.Value.Webhooks;

    /// <summary>Loads (or makes) the first certificate; throws when none can be had, naming what was wrong.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var o = Options;
        if (o.LocalUrl is { } local)
        {
            Mode = WebhookCertificateMode.InMemory;
            var host = local.Host;
            var authority = IPAddress.TryParse(host, out var ip)
                ? WebhookCertificateAuthority.Create(["localhost"], [ip], timeProvider.GetUtcNow(), Validity)
                : WebhookCertificateAuthority.Create([host], [], timeProvider.GetUtcNow(), Validity);
            Swap(authority.CertificatePem, authority.KeyPem);
            CaBundle = authority.CaPem;
        }
        else if (!string.IsNullOrEmpty(o.CertificateDirectory))
        {
            Mode = WebhookCertificateMode.Files;
            if (!ReloadFiles())
            {
                throw new InvalidOperationException($"Lanes:RolloutController:Webhooks:CertificateDirectory {o.CertificateDirectory} has no readable tls.crt and tls.key");
            }
        }
        else if (!string.IsNullOrEmpty(o.CertificateSecret))
        {
            Mode = WebhookCertificateMode.Secret;
            await LoadOrCreateSecretAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            throw new InvalidOperationException("no webhook certificate source: set Webhooks:CertificateDirectory, Webhooks:CertificateSecret or Webhooks:LocalUrl");
        }
    }

    /// <summary>The certificate for a TLS handshake; files are checked for a rotation at most once per interval.</summary>
    public X509Certificate2 Current
    {
        get
        {
            if (Mode == WebhookCertificateMode.Files && timeProvider.GetUtcNow() >= _nextFileCheck)
            {
                ReloadFiles();
            }

            return _current ?? throw new InvalidOperationException("the webhook certificate is not loaded");
        }
    }

    /// <summary>Re-reads the Secret (Secret mode); called periodically.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (Mode != WebhookCertificateMode.Secret)
        {
            return;
        }

        try
        {
            await LoadOrCreateSecretAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpOperationException or CryptographicException or InvalidOperationException)
        {
            Log.ReloadFailed(logger, Options.CertificateSecret ?? "", e.Message);
        }
    }

    private bool ReloadFiles()
    {
        var dir = Options.CertificateDirectory!;
        _nextFileCheck = timeProvider.GetUtcNow() + Options.CertificateReloadInterval;
        try
        {
            var certificate = File.ReadAllText(Path.Combine(dir, "tls.crt"));
            var key = File.ReadAllText(Path.Combine(dir, "tls.key"));
            Swap(certificate, key);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            // A half-written rotation: keep serving the previous certificate.
            Log.ReloadFailed(logger, dir, e.Message);
            return false;
        }
    }

    private async Task LoadOrCreateSecretAsync(CancellationToken cancellationToken)
    {
        var (ns, name) = Split(Options.CertificateSecret!);
        V1Secret? secret;
        try
        {
            secret = await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            secret = null;
        }

        if (secret?.Data is { } data && data.TryGetValue("tls.crt", out var crt) && data.TryGetValue("tls.key", out var key))
        {
            Swap(Encoding.UTF8.GetString(crt), Encoding.UTF8.GetString(key));
            CaBundle = data.TryGetValue("ca.crt", out var ca) ? Encoding.UTF8.GetString(ca) : null;
            return;
        }

        var (serviceNamespace, service) = Split(Options.ServiceName);
        var authority = WebhookCertificateAuthority.Create(
            [$"{service}.{serviceNamespace}.svc", $"{service}.{serviceNamespace}.svc.cluster.local"], [], timeProvider.GetUtcNow(), Validity);
        var body = new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Type = "kubernetes.io/tls",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Data = new Dictionary<string, byte[]>
            {
                ["tls.crt"] = Encoding.UTF8.GetBytes(authority.CertificatePem),
                ["tls.key"] = Encoding.UTF8.GetBytes(authority.KeyPem),
                ["ca.crt"] = Encoding.UTF8.GetBytes(authority.CaPem),
            },
        };
        try
        {
            await client.CoreV1.CreateNamespacedSecretAsync(body, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            Log.SecretCreated(logger, ns, name);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // Another replica made it first: use theirs.
            await LoadOrCreateSecretAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        Swap(authority.CertificatePem, authority.KeyPem);
        CaBundle = authority.CaPem;
    }

    private void Swap(string certificatePem, string keyPem)
    {
        var fingerprint = SHA256.HashData(Encoding.UTF8.GetBytes(certificatePem + keyPem));
        lock (_gate)
        {
            if (_fingerprint is not null && fingerprint.AsSpan().SequenceEqual(_fingerprint))
            {
                return;
            }
        }

        var loaded = WebhookCertificateAuthority.Load(certificatePem, keyPem);
        lock (_gate)
        {
            _current = loaded;
            _fingerprint = fingerprint;
        }

        Log.Loaded(logger, Mode.ToString(), loaded.Subject, loaded.NotAfter);
    }

    internal static (string Namespace, string Name) Split(string reference)
    {
        var slash = reference.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? ("default", reference) : (reference[..slash], reference[(slash + 1)..]);
    }
}
