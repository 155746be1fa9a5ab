using OpenTelemetry.Context;
using OtelBaggage = global::OpenTelemetry.Baggage;

namespace Lanes.OpenTelemetry.Propagation;

/// <summary>
/// Changes OpenTelemetry's <c>Baggage.Current</c> for the current flow only. <c>Baggage.Current</c> lives in a holder
/// shared with the caller and every flow that inherited it; writing through it leaks into all of them. Dropping the
/// holder first gives this flow a holder of its own, which ends where the flow's context changes end.
/// </summary>
internal static class BaggageFork
{
    // The runtime-context slot OpenTelemetry keeps Baggage.Current in (OpenTelemetry.Api, Baggage.cs).
    private const string Slot = "otel.baggage";

    /// <summary>Forking needs the slot to be an AsyncLocal (the default); with a thread-local slot the copy would outlive the flow.</summary>
    public static bool IsSupported =>
        RuntimeContext.ContextSlotType.IsGenericTypeDefinition
        && RuntimeContext.ContextSlotType == typeof(AsyncLocalRuntimeContextSlot<>);

    /// <summary>The holder in force, to put back with <see cref="Restore"/>.</summary>
    public static object? Holder => RuntimeContext.GetValue(Slot);

    /// <summary>Gives the current flow its own copy of the baggage with <paramref name="key"/> set to <paramref name="value"/>, or removed when <see langword="null"/>.</summary>
    /// <returns>The new holder.</returns>
    public static object? Set(string key, string? value)
    {
        var baggage = OtelBaggage.Current;
        RuntimeContext.SetValue(Slot, null);
        OtelBaggage.Current = value is null ? baggage.RemoveBaggage(key) : baggage.SetBaggage(key, value);
        return RuntimeContext.GetValue(Slot);
    }

    /// <summary>Puts back a holder taken from <see cref="Holder"/>.</summary>
    public static void Restore(object? holder) => RuntimeContext.SetValue(Slot, holder);
}
