using System.Buffers;
using System.Text.Json;

namespace Lanes.Nacos.Client;

/// <summary>
/// Turns the v3 client API's list answer (<c>{"code":0,"message":"success","data":[instances]}</c>) into the
/// <c>ServiceInfo</c> document every other transport yields, so one parser, one change detection and one failover
/// cache serve them all. The instances are copied as they came; the parser validates them.
/// </summary>
internal static class V3ServiceInfo
{
    private static readonly JsonReaderOptions s_readerOptions = new() { MaxDepth = 16 };

    public static PooledBuffer? FromListAnswer(ReadOnlySpan<byte> answer, NacosServiceName service, out string? error)
    {
        error = null;
        int hostsStart = -1, hostsLength = 0, code = int.MinValue;
        try
        {
            var reader = new Utf8JsonReader(answer, s_readerOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "the answer is not a JSON object";
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("code"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out code))
                    {
                        code = int.MinValue;
                    }
                }
                else if (reader.ValueTextEquals("data"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        hostsStart = (int)reader.TokenStartIndex;
                        reader.Skip();
                        hostsLength = (int)reader.BytesConsumed - hostsStart;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                error = "the answer ends early or goes on after its end";
                return null;
            }
        }
        catch (JsonException ex)
        {
            error = $"malformed JSON ({ex.Message})";
            return null;
        }

        if (code != 0)
        {
            error = code == int.MinValue ? "the answer has no 'code'" : $"the answer's code is {code}";
            return null;
        }

        if (hostsStart < 0)
        {
            error = "the answer's 'data' is not an array of instances";
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(hostsLength + 256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("name"u8, service.Grouped);
            writer.WriteString("groupName"u8, service.Group);
            writer.WritePropertyName("hosts"u8);
            writer.WriteRawValue(answer.Slice(hostsStart, hostsLength), skipInputValidation: true);
            writer.WriteEndObject();
        }

        return PooledBuffer.Copy(buffer.WrittenSpan);
    }
}
