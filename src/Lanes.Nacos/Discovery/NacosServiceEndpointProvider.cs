using Lanes.Nacos.Subscriptions;
using Microsoft.Extensions.ServiceDiscovery;

namespace Lanes.Nacos.Discovery;

/// <summary>
/// Serves one Nacos service's current instances. It never throws because Nacos is down: it waits for the
/// first poll (bounded by the client's timeouts and retries) and then serves the last known list, with a
/// change token that fires only when the list really changed.
/// </summary>
internal sealed class NacosServiceEndpointProvider(NacosServiceSubscription subscription) : IServiceEndpointProvider
{
    public async ValueTask PopulateAsync(IServiceEndpointBuilder endpoints, CancellationToken cancellationToken)
    {
        // A provider earlier in the chain already answered: it wins, as with the built-in providers.
        if (endpoints.Endpoints.Count != 0)
        {
            return;
        }

        if (!subscription.FirstLoad.IsCompleted)
        {
            await subscription.FirstLoad.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var snapshot = subscription.Current;
        var list = snapshot.Endpoints;
        for (var i = 0; i < list.Length; i++)
        {
            endpoints.Endpoints.Add(list[i]);
        }

        endpoints.AddChangeToken(snapshot.ChangeToken);
    }

    public ValueTask DisposeAsync() => default;

    public override string ToString() => $"Nacos ({subscription.Name.Grouped})";
}
