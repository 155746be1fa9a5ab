using k8s;

namespace Lanes.RolloutController.Hosting;

/// <summary>How the controller's <see cref="IKubernetes"/> talks to the API server, whichever configuration it came from.</summary>
internal static class KubernetesClientSetup
{
    /// <summary>
    /// A watch the controller stops (shutdown, a resync) leaves its response unread. HttpClient's default is to drain
    /// such a response and put its HTTP/1.1 connection back in the pool, and KubernetesClient's watch reader can still
    /// be reading that stream then: the next request on the connection lost its answer (it waited for ever) or read a
    /// garbled status line, in about one of 50,000 requests under watch churn and at most shutdowns. A stopped watch's
    /// connection is closed instead; nothing else changes, since every other response is read to its end.
    /// </summary>
    public static KubernetesClientConfiguration Configure(KubernetesClientConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var previous = configuration.FirstMessageHandlerSetup;
        configuration.FirstMessageHandlerSetup = handler =>
        {
            previous?.Invoke(handler);
            handler.MaxResponseDrainSize = 0;
        };
        return configuration;
    }
}
