namespace Lanes.Extensibility;

/// <summary>
/// Why a discovery provider that owns a service name gave no endpoints for it (the Kubernetes Service does not
/// exist, the API server refused the watch, no port matches). A provider sets it on
/// <see cref="Microsoft.Extensions.ServiceDiscovery.IServiceEndpointBuilder.Features"/> instead of throwing, so the
/// resolver keeps following its change token; routing puts the reason into the error of a call that finds no instance.
/// A contract for discovery providers, those of the Lanes packages and third-party ones alike.
/// </summary>
/// <param name="message">What is wrong, naming the object and what to do, as one sentence.</param>
public sealed class DiscoveryProblem(string message)
{
    /// <summary>What is wrong, naming the object and what to do, as one sentence.</summary>
    public string Message { get; } = message;

    /// <inheritdoc />
    public override string ToString() => Message;
}
