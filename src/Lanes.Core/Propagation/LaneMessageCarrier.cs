using Lanes.Extensibility;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Lanes.Propagation;

/// <summary>
/// Reads and writes the lane in message headers, for queue producers and consumers: the producer injects
/// the ambient lane into the message, the consumer extracts it and handles the message inside that lane.
/// Uses the same header and baggage key as HTTP. Generic over the carrier, like OpenTelemetry's propagators,
/// so one instance serves string dictionaries, Kafka or RabbitMQ headers and gRPC metadata.
/// </summary>
public sealed class LaneMessageCarrier
{
    private const string Carrier = "message";
    private readonly string _headerName;
    private readonly string _baggageKey;
    private readonly LanesMetrics _metrics;

    internal LaneMessageCarrier(IOptions<LanesOptions> options, LanesMetrics metrics)
    {
        _headerName = options.Value.Propagation.HeaderName;
        _baggageKey = options.Value.Propagation.BaggageKey;
        _metrics = metrics;
    }

    /// <summary>The header the lane travels in.</summary>
    public string HeaderName => _headerName;

    /// <summary>Writes the ambient lane into a string dictionary of message headers; base writes nothing.</summary>
    /// <param name="headers">The message headers.</param>
    public void Inject(IDictionary<string, string> headers) =>
        Inject(LaneContext.Current, headers, static (h, name, value) => h[name] = value);

    /// <summary>Writes <paramref name="lane"/> into any carrier through <paramref name="setter"/>; base writes nothing.</summary>
    /// <typeparam name="TCarrier">The carrier type.</typeparam>
    /// <param name="lane">The lane to write.</param>
    /// <param name="carrier">The carrier.</param>
    /// <param name="setter">Sets one header on the carrier.</param>
    public void Inject<TCarrier>(Lane lane, TCarrier carrier, Action<TCarrier, string, string> setter)
    {
        ArgumentNullException.ThrowIfNull(setter);
        if (!lane.IsBase)
        {
            setter(carrier, _headerName, lane.Name!);
        }
    }

    /// <summary>Reads the lane from a string dictionary of message headers; a malformed lane yields base and is counted.</summary>
    /// <param name="headers">The message headers.</param>
    public Lane Extract(IReadOnlyDictionary<string, string> headers) =>
        Extract(headers, static (h, name) => h.TryGetValue(name, out var value) ? value : null);

    /// <summary>Reads the lane from any carrier through <paramref name="getter"/>: the lane header, else the baggage member.</summary>
    /// <typeparam name="TCarrier">The carrier type.</typeparam>
    /// <param name="carrier">The carrier.</param>
    /// <param name="getter">Gets one header's value from the carrier, or <see langword="null"/>.</param>
    /// <returns>The lane; base when none is carried or it is malformed (malformed ones are counted in <c>lanes.carrier.rejected</c>).</returns>
    public Lane Extract<TCarrier>(TCarrier carrier, Func<TCarrier, string, string?> getter)
    {
        ArgumentNullException.ThrowIfNull(getter);
        var header = getter(carrier, _headerName);
        var baggage = header is null && _baggageKey.Length != 0 ? getter(carrier, LanePropagationOptions.BaggageHeaderName) : null;
        var rejection = LaneReader.Read(new StringValues(header), new StringValues(baggage), _baggageKey, out var lane);
        if (rejection != LaneRejection.None)
        {
            _metrics.Rejected(rejection, Carrier);
        }

        return lane;
    }

    /// <summary>Enters the lane a message carries, for handling it; dispose the scope when done.</summary>
    /// <param name="headers">The message headers.</param>
    public LaneScope Enter(IReadOnlyDictionary<string, string> headers) => LaneContext.Enter(Extract(headers));
}
