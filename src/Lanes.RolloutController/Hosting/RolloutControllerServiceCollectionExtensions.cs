using Lanes.RolloutController.Cluster;
using Lanes.RolloutController.Hosting;
using Lanes.RolloutController.Traffic.Gateway;
using Lanes.RolloutController.Traffic.Ingress;
using Lanes.RolloutController.Traffic.Lanes;
using Lanes.RolloutController.Traffic;
using Lanes.RolloutController.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using k8s;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Lanes rollout controller.</summary>
internal static class RolloutControllerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the controller as a hosted service, with options bound from <c>Lanes:RolloutController</c> and validated
    /// on start. An <see cref="IKubernetes"/> registered before this call is used as is; otherwise one is built from
    /// the in-cluster service account or the kubeconfig file. The traffic providers for <c>classType</c> lanes,
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
        services.TryAddSingleton<IKubernetes>(static _ => new k8s.Kubernetes(
            KubernetesClientConfiguration.IsInCluster()
                ? KubernetesClientConfiguration.InClusterConfig()
                : KubernetesClientConfiguration.BuildConfigFromConfigFile()));
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
        services.TryAddSingleton<RolloutActionExecutor>();
        services.TryAddSingleton<RolloutReconciler>();
        services.TryAddSingleton<TrafficRoutingReconciler>();
        services.TryAddSingleton<RolloutIndex>();
        services.TryAddSingleton<DeploymentWebhook>();
        services.TryAddSingleton<RolloutWebhook>();
        services.TryAddSingleton<WebhookCertificates>();
        services.TryAddSingleton<WebhookRegistration>();
        services.TryAddSingleton<WebhookServer>();

        // The webhooks start first, so no Deployment update slips through while the controller starts.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WebhookServer>(static sp => sp.GetRequiredService<WebhookServer>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RolloutControllerService>());
        return services;
    }
}
