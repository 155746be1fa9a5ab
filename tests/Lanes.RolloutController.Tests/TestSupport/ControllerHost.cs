using k8s;
using Lanes.Kubernetes.Emulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lanes.RolloutController.Tests.TestSupport;

/// <summary>The real controller host (same registration as Program.cs) talking to the emulator over loopback.</summary>
internal sealed class ControllerHost : IAsyncDisposable
{
    private ControllerHost(IHost host) => Host = host;

    public IHost Host { get; }

    /// <param name="user">
    /// Who the controller authenticates as (its bearer token names the user, see <see cref="EmulatorOptions.EnforceRbac"/>),
    /// e.g. its service account <c>system:serviceaccount:lanes-system:lanes-rollout-controller</c>; none by default.
    /// </param>
    public static Task<ControllerHost> StartAsync(KubernetesEmulator emulator, TimeProvider? timeProvider = null, IDictionary<string, string?>? settings = null, ControllerLog? log = null, bool waitForWebhooks = true, string? user = null)
    {
        // Every controller logs (in memory) to the emulator's log, so a wait that times out can show what it did.
        var kept = log ?? ControllerLog.For(emulator);
        return StartAsync(_ => new k8s.Kubernetes(Lanes.RolloutController.Hosting.KubernetesClientSetup.Configure(new KubernetesClientConfiguration { Host = emulator.BaseAddress.ToString(), AccessToken = user }), new SlowRequestLog(kept)), timeProvider, settings, kept, webhooksOnly: false, waitForWebhooks);
    }

    /// <summary>
    /// Only the controller's webhooks (served on loopback and registered with the API server, as
    /// <see cref="StartAsync(KubernetesEmulator, TimeProvider?, IDictionary{string, string?}?, ControllerLog?, bool, string?)"/> does), without its
    /// reconcilers: for tests that write Rollouts by hand yet need the API server to convert them (the CRD's conversion
    /// webhook is the controller's).
    /// </summary>
    public static Task<ControllerHost> StartWebhooksAsync(IKubernetes client) =>
        StartAsync(_ => client, timeProvider: null, settings: null, log: null, webhooksOnly: true, waitForWebhooks: true);

    private static async Task<ControllerHost> StartAsync(Func<IServiceProvider, IKubernetes> client, TimeProvider? timeProvider, IDictionary<string, string?>? settings, ControllerLog? log, bool webhooksOnly, bool waitForWebhooks)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var values = new Dictionary<string, string?>
        {
            ["Lanes:RolloutController:LeaderElection:Enabled"] = "false",
            ["Lanes:RolloutController:RetryDelay"] = "00:00:00.200",
            ["Lanes:RolloutController:WatchRetryDelay"] = "00:00:00.100",

            // Out of cluster, as in a developer's run: the webhooks on loopback under the controller's own CA,
            // registered with the emulator, which calls them for every Deployment update.
            ["Lanes:RolloutController:Webhooks:LocalUrl"] = "https://127.0.0.1:0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(values);
        if (log is not null)
        {
            log.NextHost();
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            builder.Logging.AddProvider(new ForwardingProvider(log));
        }

        builder.Services.AddSingleton(client);
        if (timeProvider is not null)
        {
            builder.Services.AddSingleton(timeProvider);
        }

        builder.Services.AddLanesRolloutController(builder.Configuration);
        if (webhooksOnly)
        {
            builder.Services.Remove(builder.Services.Single(static d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(Lanes.RolloutController.Hosting.RolloutControllerService)));
        }

        var host = builder.Build();
        await host.StartAsync();
        if (waitForWebhooks)
        {
            // Registration runs beside the controller; a test that changes a Deployment next expects the webhook to hold it.
            await host.Services.GetRequiredService<Lanes.RolloutController.Webhooks.WebhookServer>().Registered.WaitAsync(TimeSpan.FromMinutes(1));
        }

        return new ControllerHost(host);
    }

    // Requests to the API server that took long, with what they answered: where a controller's time went.
    private sealed class SlowRequestLog(ControllerLog log) : DelegatingHandler
    {
        private readonly ILogger _logger = log.CreateLogger("Lanes.Tests.ApiServerRequests");

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
                if (elapsed > TimeSpan.FromSeconds(1))
                {
                    _logger.LogWarning("{Method} {Uri} answered {Status} after {Elapsed}", request.Method, request.RequestUri, (int)response.StatusCode, elapsed);
                }

                return response;
            }
            catch (Exception e)
            {
                _logger.LogWarning("{Method} {Uri} failed after {Elapsed}: {Error}", request.Method, request.RequestUri, System.Diagnostics.Stopwatch.GetElapsedTime(started), e.Message);
                throw;
            }
        }
    }

    // The host disposes its providers; the shared log outlives it.
    private sealed class ForwardingProvider(ControllerLog log) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => log.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }

    /// <summary>A client of the cluster admin (<c>system:admin</c>), who may do anything also when RBAC is enforced.</summary>
    public static IKubernetes CreateClient(KubernetesEmulator emulator) =>
        new k8s.Kubernetes(new KubernetesClientConfiguration { Host = emulator.BaseAddress.ToString(), AccessToken = "system:admin" });

    public T Get<T>()
        where T : notnull => Host.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Host.StopAsync(timeout.Token);
        Host.Dispose();
    }
}
