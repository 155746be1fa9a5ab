using Lanes.RolloutController.Cluster;
using Lanes.RolloutController.Hosting;
using Lanes.RolloutController.Traffic.Gateway;
using Lanes.RolloutController.Traffic.Ingress;
using Lanes.RolloutController.Traffic.Lanes;
using Lanes.RolloutController.Traffic;
using Lanes.RolloutController.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using k8s;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Lanes rollout controller.</summary>
internal static class RolloutControllerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the controller as a hosted service, with options bound from <c>Lanes:RolloutController</c> and validated
    /// on start. An <see cref="IKubernetes"/> registered before this call is used as is; otherwise one is built as
    /// kubectl builds it: from the <c>KUBECONFIG</c> file(s) when set, else the in-cluster service account, else ~/.kube/config. The traffic providers for <c>classType</c> lanes,
    /// nginx, mse, higress and aliyun-alb and for Gateway API HTTPRoutes are registered; add an <see cref="ITrafficRoutingProvider"/>
    /// with <c>TryAddEnumerable</c> to route other entry objects.
    /// </summary>
    public static IServiceCollection AddLanesRolloutController(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<RolloutControllerOptions>()
            .Bind(configuration.GetSection(RolloutControllerOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RolloutControllerOptions>, RolloutControllerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IKubernetes>(static _ => new k8s.Kubernetes(KubernetesClientSetup.Configure(ClientConfiguration())));
        services.TryAddSingleton<ClusterCache>();
        services.TryAddSingleton<RolloutObserver>();
        services.TryAddSingleton<KubernetesEventRecorder>();
        services.TryAddSingleton<TrafficRoutingManager>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITrafficRoutingProvider, LanesEntryProvider>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITrafficRoutingProvider, NginxIngressProvider>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITrafficRoutingProvider, MseIngressProvider>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITrafficRoutingProvider, HigressIngressProvider>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITrafficRoutingProvider, AlbIngressProvider>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITrafficRoutingProvider, HttpRouteProvider>());
        services.AddHttpClient(Lanes.RolloutController.Analysis.PrometheusClient.HttpClientName);
        services.TryAddSingleton<Lanes.RolloutController.Analysis.PrometheusClient>();
        services.TryAddSingleton<Lanes.RolloutController.Analysis.AnalysisRunner>();
        services.TryAddSingleton<RolloutActionExecutor>();
        services.TryAddSingleton<RolloutReconciler>();
        services.TryAddSingleton<TrafficRoutingReconciler>();
        services.TryAddSingleton<RolloutIndex>();
        services.TryAddSingleton<DeploymentWebhook>();
        services.TryAddSingleton<RolloutWebhook>();
        services.TryAddSingleton<WebhookCertificates>();
        services.TryAddSingleton<WebhookRegistration>();
        services.TryAddSingleton<WebhookServer>();

        // /healthz and /readyz on the webhook server (the probes of the chart); add checks with tag "ready" to extend readiness.
        services.TryAddSingleton<ControllerLeadership>();
        // Configured rather than AddCheck'ed, so a second call adds no duplicate (HealthCheckService refuses duplicate names).
        services.AddHealthChecks();
        services.Configure<HealthCheckServiceOptions>(static o =>
        {
            if (o.Registrations.All(static r => r.Name != ControllerReadinessCheck.Name))
            {
                o.Registrations.Add(new HealthCheckRegistration(
                    ControllerReadinessCheck.Name, static sp => ActivatorUtilities.GetServiceOrCreateInstance<ControllerReadinessCheck>(sp), failureStatus: null, tags: [ControllerReadinessCheck.ReadyTag]));
            }
        });

        // The webhooks start first, so no Deployment update slips through while the controller starts.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WebhookServer>(static sp => sp.GetRequiredService<WebhookServer>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RolloutControllerService>());
        return services;
    }

    // As kubectl chooses: the KUBECONFIG file(s) when set, else the pod's service account in a cluster, else
    // ~/.kube/config. BuildConfigFromConfigFile alone reads only ~/.kube/config, so an out-of-cluster run against
    // another cluster (or the standalone emulator) with KUBECONFIG=... failed to start.
    private static KubernetesClientConfiguration ClientConfiguration() =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBECONFIG")) ? KubernetesClientConfiguration.BuildDefaultConfig()
        : KubernetesClientConfiguration.IsInCluster() ? KubernetesClientConfiguration.InClusterConfig()
        : KubernetesClientConfiguration.BuildConfigFromConfigFile();
}
