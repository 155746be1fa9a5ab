using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lanes.RolloutController.Api;

/// <summary>Reads and writes <see cref="IntOrPercent"/> as a JSON number or string.</summary>
internal sealed class IntOrPercentJsonConverter : JsonConverter<IntOrPercent>
{
    /// <inheritdoc />
    public override IntOrPercent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Number => IntOrPercent.FromInt(reader.GetInt32()),
            JsonTokenType.String => IntOrPercent.Parse(reader.GetString()!),
            _ => throw new JsonException("expected a number or a string"),
        };

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, IntOrPercent value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value.IsValid && !value.IsPercent)
        {
            writer.WriteNumberValue(value.Value);
        }
        else
        {
            writer.WriteStringValue(value.ToString());
        }
    }
}
