using Grpc.Core;
using Lanes.Nacos.Grpc.Protocol;

namespace Lanes.Nacos.Grpc;

/// <summary>
/// The two methods of Nacos's client port, <c>/Request/request</c> and <c>/BiRequestStream/requestBiStream</c> (the proto
/// declares no package). Written out here because stubs generated from the proto would give the unary method and its
/// parameter the same name (<c>request</c>), which C# does not compile.
/// </summary>
internal static class NacosGrpcMethods
{
    private static readonly Marshaller<Payload> s_payload = Marshallers.Create(
        static (payload, context) =>
        {
            context.SetPayloadLength(payload.CalculateSize());
            Google.Protobuf.MessageExtensions.WriteTo(payload, context.GetBufferWriter());
            context.Complete();
        },
        static context => Payload.Parser.ParseFrom(context.PayloadAsReadOnlySequence()));

    public static Method<Payload, Payload> Request { get; } = new(MethodType.Unary, "Request", "request", s_payload, s_payload);

    public static Method<Payload, Payload> BiRequestStream { get; } = new(MethodType.DuplexStreaming, "BiRequestStream", "requestBiStream", s_payload, s_payload);
}
