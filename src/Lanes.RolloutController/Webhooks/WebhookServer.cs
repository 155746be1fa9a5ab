using System.Net;
using Lanes.RolloutController.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.RolloutController.Webhooks;

/// <summary>
/// Serves the admission webhooks over HTTPS (Kestrel) with <see cref="WebhookCertificates"/>. Each request is one
/// AdmissionReview; a body that is not one gets a 400 with the reason, never an exception.
/// </summary>
internal sealed partial class WebhookServer(
    IOptions<RolloutControllerOptions> options,
    WebhookCertificates certificates,
    WebhookRegistration registration,
    DeploymentWebhook deployments,
    RolloutWebhook rollouts,
    HealthCheckService healthChecks,
    TimeProvider timeProvider,
    ILogger<WebhookServer> logger) : IHostedService, IAsyncDisposable
{
    // The API server sends at most 3 MiB objects; an AdmissionReview carries two of them.
    private const int MaxBody = 8 * 1024 * 1024;
    private WebApplication? _app;
    private CancellationTokenSource? _stopping;
    private Task? _refresh;
    private Task? _registration;

    /// <summary>Liveness: answers 200 while the process serves HTTPS (no checks run).</summary>
    public const string LivenessPath = "/healthz";

    /// <summary>Readiness: the checks tagged <c>ready</c> (<see cref="Hosting.ControllerReadinessCheck"/>).</summary>
    public const string ReadinessPath = "/readyz";

    /// <summary>Where the webhooks are served once started, e.g. <c>https://127.0.0.1:40123/</c>.</summary>
    public Uri? BaseUrl { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value.Webhooks;
        if (!o.Enabled)
        {
            Log.Inactive(logger, "Webhooks:Enabled is false");
            return;
        }

        if (o.LocalUrl is null && string.IsNullOrEmpty(o.CertificateDirectory) && string.IsNullOrEmpty(o.CertificateSecret))
        {
            Log.Inactive(logger, "no certificate source (Webhooks:CertificateDirectory, Webhooks:CertificateSecret) and no Webhooks:LocalUrl");
            return;
        }

        await certificates.InitializeAsync(cancellationToken).ConfigureAwait(false);
        var host = o.LocalUrl?.Host ?? o.Host;
        var port = o.LocalUrl?.Port ?? o.Port;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxBody;
            kestrel.Listen(host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(host), port, listen =>
                listen.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificateSelector = (_, _) => certificates.Current }));
        });
        // The host's health checks (registered with the controller), served beside the webhooks for the kubelet's probes.
        builder.Services.AddSingleton(healthChecks);
        var app = builder.Build();
        app.MapHealthChecks(LivenessPath, new HealthCheckOptions { Predicate = static _ => false, ResponseWriter = WriteHealthAsync });
        app.MapHealthChecks(ReadinessPath, new HealthCheckOptions { Predicate = static r => r.Tags.Contains(Hosting.ControllerReadinessCheck.ReadyTag), ResponseWriter = WriteHealthAsync });
        app.MapPost(DeploymentWebhook.Path, context => HandleAdmissionAsync(context, deployments.HandleAsync));
        app.MapPost(RolloutWebhook.Path, context => HandleAdmissionAsync(context, rollouts.HandleAsync));
        app.MapPost(ConversionWebhook.Path, HandleConversionAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        BaseUrl = new UriBuilder("https", o.LocalUrl?.Host ?? address.Host, address.Port).Uri;
        Log.Serving(logger, BaseUrl.ToString(), DeploymentWebhook.Path + ", " + RolloutWebhook.Path + ", " + ConversionWebhook.Path);

        // Registration runs beside the controller instead of holding up its start: against a failing API server it
        // can take minutes, and meanwhile the level-triggered fallback catches Deployment updates the webhook misses.
        _stopping = new CancellationTokenSource();
        using (ExecutionContext.SuppressFlow())
        {
            _registration = RegisterAsync(o.LocalUrl is not null, _stopping.Token);
            if (certificates.Mode == WebhookCertificateMode.Secret)
            {
                _refresh = RefreshLoopAsync(o.CertificateReloadInterval, _stopping.Token);
            }
        }
    }

    /// <summary>
    /// Completes once the API server calls these webhooks (configurations pointed here, or the CA written), or when
    /// registration stops with the host. Until then Deployment updates are only caught by the level-triggered fallback.
    /// </summary>
    public Task Registered => _registration ?? Task.CompletedTask;

    private async Task RegisterAsync(bool local, CancellationToken cancellationToken)
    {
        try
        {
            if (local)
            {
                await registration.PointAtAsync(BaseUrl!, certificates.CaBundle!, cancellationToken).ConfigureAwait(false);
            }
            else if (certificates.CaBundle is { } ca)
            {
                await registration.InjectCaBundleAsync(ca, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not a "try again" answer (403 without RBAC, 422): say so, the controller carries on without the webhooks.
            Log.RegistrationFailed(logger, e);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is not null)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        if (_refresh is not null)
        {
            await _refresh.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (_registration is not null)
        {
            await _registration.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await registration.RestoreAsync(cancellationToken).ConfigureAwait(false);
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    // "Healthy", or the status and why, one check a line: what `kubectl describe pod` shows of a failed probe.
    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var text = new System.Text.StringBuilder(report.Status.ToString());
        foreach (var (name, entry) in report.Entries)
        {
            text.Append('\n').Append(name).Append(": ").Append(entry.Status).Append(": ").Append(entry.Description);
        }

        return context.Response.WriteAsync(text.Append('\n').ToString(), context.RequestAborted);
    }

    private async Task HandleAdmissionAsync(HttpContext context, Func<AdmissionRequest, CancellationToken, Task<System.Text.Json.Nodes.JsonObject>> handle)
    {
        if (await ReadBodyAsync(context).ConfigureAwait(false) is not { } body)
        {
            return;
        }

        var request = AdmissionRequest.Parse(body, out var error);
        if (request is null)
        {
            await BadRequestAsync(context, "malformed AdmissionReview: " + error).ConfigureAwait(false);
            return;
        }

        var response = await handle(request, context.RequestAborted).ConfigureAwait(false);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(response.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }

    private async Task HandleConversionAsync(HttpContext context)
    {
        if (await ReadBodyAsync(context).ConfigureAwait(false) is not { } body)
        {
            return;
        }

        var response = ConversionWebhook.Handle(body, out var error);
        if (response is null)
        {
            await BadRequestAsync(context, "malformed ConversionReview: " + error).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(response.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }

    private async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            return buffer.ToArray();
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e)
        {
            await BadRequestAsync(context, e.Message).ConfigureAwait(false);
            return null;
        }
    }

    private Task BadRequestAsync(HttpContext context, string reason)
    {
        Log.Malformed(logger, context.Request.Path, reason);
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(reason, context.RequestAborted);
    }

    private async Task RefreshLoopAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(interval, timeProvider, cancellationToken).ConfigureAwait(false);
                await certificates.RefreshAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
