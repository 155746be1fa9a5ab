using System.Collections.Frozen;

namespace Lanes.Extensibility;

/// <summary>
/// The names of the <see cref="HttpClient"/>s that called <c>AddTrafficLanes()</c> on their
/// <see cref="Microsoft.Extensions.DependencyInjection.IHttpClientBuilder"/>. A package that adds its own handler to
/// lane-aware clients only (as Lanes.OpenTelemetry does from an <c>IHttpMessageHandlerBuilderFilter</c>) asks it.
/// Registered by the first such call; absent when no client called it.
/// </summary>
public sealed class LaneHttpClients
{
    private readonly FrozenSet<string> _names;

    internal LaneHttpClients(IEnumerable<Name> names) =>
        _names = names.Select(static n => n.Value).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Whether the client named <paramref name="clientName"/> called <c>AddTrafficLanes()</c>.</summary>
    /// <param name="clientName">The client's name, as <see cref="Microsoft.Extensions.Http.HttpMessageHandlerBuilder.Name"/> gives it.</param>
    public bool Contains(string clientName) => _names.Contains(clientName);

    /// <summary>One registration per <c>AddTrafficLanes()</c> call.</summary>
    internal sealed record Name(string Value);
}
