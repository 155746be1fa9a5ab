namespace Lanes.Nacos.Transport;

/// <summary>Hands pushed lists from whichever transport receives them (UDP, gRPC) to the catalog, which registers itself.</summary>
internal sealed class NacosPushRouter : INacosPushTarget
{
    public INacosPushTarget? Target { get; set; }

    public PushOutcome OnPush(ReadOnlySpan<byte> serviceInfo) => Target?.OnPush(serviceInfo) ?? PushOutcome.UnknownService;
}
