using System.Buffers;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Lanes.Nacos.Client;
using Lanes.Nacos.Grpc.Protocol;

namespace Lanes.Nacos.Grpc;

/// <summary>
/// Writes Nacos gRPC payloads as the server's <c>GrpcUtils</c> reads them: <c>metadata.type</c> is the Java class's
/// simple name, <c>metadata.headers</c> carries what the request holds outside its body (credentials), and
/// <c>body.value</c> is the request or response as UTF-8 JSON with its <c>module</c>.
/// </summary>
internal static class NacosGrpcCodec
{
    public const string Internal = "internal";
    public const string Naming = "naming";

    public static Payload Request(string type, string module, string? requestId, string? clientIp, NacosIdentity identity, Action<Utf8JsonWriter>? fields)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            fields?.Invoke(writer);
            writer.WriteString("module"u8, module);
            if (requestId is not null)
            {
                writer.WriteString("requestId"u8, requestId);
            }

            writer.WriteEndObject();
        }

        var metadata = new Metadata { Type = type, ClientIp = clientIp ?? string.Empty };
        identity.AddTo(metadata.Headers);
        return new Payload { Metadata = metadata, Body = new Any { Value = ByteString.CopyFrom(buffer.WrittenSpan) } };
    }

    /// <summary>A successful response to a server request (<c>NotifySubscriberResponse</c>, <c>ClientDetectionResponse</c>, ...).</summary>
    public static Payload Response(string type, string? requestId) => Response(type, requestId, 200, 0, null);

    /// <summary>A failed response to a server request: the server logs it and may retry.</summary>
    public static Payload Failure(string type, string? requestId, int errorCode, string message) => Response(type, requestId, 500, errorCode, message);

    private static Payload Response(string type, string? requestId, int resultCode, int errorCode, string? message)
    {
        var buffer = new ArrayBufferWriter<byte>(96);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("resultCode"u8, resultCode);
            writer.WriteNumber("errorCode"u8, errorCode);
            if (message is not null)
            {
                writer.WriteString("message"u8, message);
            }

            if (requestId is not null)
            {
                writer.WriteString("requestId"u8, requestId);
            }

            writer.WriteBoolean("success"u8, resultCode == 200);
            writer.WriteEndObject();
        }

        return new Payload { Metadata = new Metadata { Type = type }, Body = new Any { Value = ByteString.CopyFrom(buffer.WrittenSpan) } };
    }
}
