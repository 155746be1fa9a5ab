namespace Lanes.Nacos.Transport;

/// <summary>Where pushed <c>ServiceInfo</c> documents go (the service catalog).</summary>
internal interface INacosPushTarget
{
    PushOutcome OnPush(ReadOnlySpan<byte> serviceInfo);
}
