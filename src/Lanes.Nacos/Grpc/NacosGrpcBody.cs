using System.Globalization;
using System.Text.Json;

namespace Lanes.Nacos.Grpc;

/// <summary>
/// The fields Lanes reads from a gRPC payload's JSON body, found in one pass: the base fields of Nacos's
/// <c>Request</c>/<c>Response</c> (<c>requestId</c>, <c>resultCode</c>, <c>errorCode</c>, <c>message</c>) and those of
/// the few messages it handles. <see cref="ServiceInfoStart"/>/<see cref="ServiceInfoLength"/> locate the
/// <c>serviceInfo</c> object, which is handed on unparsed.
/// </summary>
internal struct NacosGrpcBody
{
    private static readonly JsonReaderOptions s_readerOptions = new() { MaxDepth = 16 };

    public string? RequestId;
    public int ResultCode;
    public int ErrorCode;
    public string? Message;
    public int ServiceInfoStart;
    public int ServiceInfoLength;
    public string? ConnectionId;
    public bool SupportAbilityNegotiation;
    public string? ServerIp;
    public string? ServerPort;

    /// <summary>Whether the response reports success (<c>resultCode</c> 200, or absent as in a bare acknowledgement).</summary>
    public readonly bool Success => ResultCode is 0 or 200;

    public static bool TryRead(ReadOnlySpan<byte> json, out NacosGrpcBody body, out string? error)
    {
        body = default;
        body.ServiceInfoStart = -1;
        error = null;
        try
        {
            var reader = new Utf8JsonReader(json, s_readerOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "the body is not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("serviceInfo"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        body.ServiceInfoStart = (int)reader.TokenStartIndex;
                        reader.Skip();
                        body.ServiceInfoLength = (int)reader.BytesConsumed - body.ServiceInfoStart;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("requestId"u8))
                {
                    body.RequestId = ReadText(ref reader);
                }
                else if (reader.ValueTextEquals("resultCode"u8))
                {
                    body.ResultCode = ReadInt(ref reader);
                }
                else if (reader.ValueTextEquals("errorCode"u8))
                {
                    body.ErrorCode = ReadInt(ref reader);
                }
                else if (reader.ValueTextEquals("message"u8))
                {
                    body.Message = ReadText(ref reader);
                }
                else if (reader.ValueTextEquals("connectionId"u8))
                {
                    body.ConnectionId = ReadText(ref reader);
                }
                else if (reader.ValueTextEquals("supportAbilityNegotiation"u8))
                {
                    reader.Read();
                    body.SupportAbilityNegotiation = reader.TokenType == JsonTokenType.True;
                }
                else if (reader.ValueTextEquals("serverIp"u8))
                {
                    body.ServerIp = ReadText(ref reader);
                }
                else if (reader.ValueTextEquals("serverPort"u8))
                {
                    body.ServerPort = ReadText(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                error = "the body ends early or goes on after its end";
                return false;
            }

            return true;
        }
        catch (JsonException ex)
        {
            error = $"malformed JSON ({ex.Message})";
            return false;
        }
    }

    // Strings, numbers (Java writes serverPort as a string, some servers as a number) and null read as text.
    private static string? ReadText(ref Utf8JsonReader reader)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
                return reader.TryGetInt64(out var number) ? number.ToString(CultureInfo.InvariantCulture) : null;
            default:
                reader.Skip();
                return null;
        }
    }

    private static int ReadInt(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value))
        {
            return value;
        }

        reader.Skip();
        return 0;
    }
}
