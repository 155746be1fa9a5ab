using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Lanes.AspNetCore.Entry.Files;

/// <summary>
/// Turns a YAML rules file into JSON, so YAML and JSON files are read and checked by the same strict reader. Plain
/// scalars follow YAML 1.2's core schema (null, booleans, numbers); quoted scalars are strings.
/// </summary>
internal static class YamlJson
{
    private const int MaxDepth = 32;

    // YAML anchors and aliases share one node among many places, so nine aliases per level over nine levels make a
    // 1 KB file of 387 million nodes. A rules file holds a few hundred; counting every node reached bounds the work.
    private const int MaxNodes = 100_000;

    /// <summary>Converts one YAML document; throws <see cref="YamlException"/> or <see cref="FormatException"/> naming the problem.</summary>
    public static JsonNode? Convert(string yaml)
    {
        var budget = MaxNodes;
        var stream = new YamlStream();
        using (var reader = new StringReader(yaml))
        {
            try
            {
                stream.Load(reader);
            }
            catch (InvalidOperationException ex)
            {
                // YamlDotNet's scanner can fail this way on some malformed input (a NUL inside a plain scalar) instead of
                // with a YamlException; to the reader of the file it is the same thing: not valid YAML.
                throw new FormatException("the YAML scanner could not read it (" + ex.Message + ")", ex);
            }
        }

        return stream.Documents.Count switch
        {
            0 => throw new FormatException("the file holds no YAML document"),
            1 => ToJson(stream.Documents[0].RootNode, 0, ref budget),
            _ => throw new FormatException($"the file holds {stream.Documents.Count.ToString(CultureInfo.InvariantCulture)} YAML documents; a rules file holds one strategy"),
        };
    }

    private static JsonNode? ToJson(YamlNode node, int depth, ref int budget)
    {
        if (--budget < 0)
        {
            throw new FormatException($"more than {MaxNodes.ToString(CultureInfo.InvariantCulture)} values (aliases expanded); a rules file holds one strategy");
        }

        if (depth > MaxDepth)
        {
            throw new FormatException($"nesting deeper than {MaxDepth.ToString(CultureInfo.InvariantCulture)} levels at line {node.Start.Line.ToString(CultureInfo.InvariantCulture)}");
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is not YamlScalarNode { Value: { } name })
                    {
                        throw new FormatException($"a key at line {key.Start.Line.ToString(CultureInfo.InvariantCulture)} is not a plain name");
                    }

                    if (!obj.TryAdd(name, ToJson(value, depth + 1, ref budget)))
                    {
                        throw new FormatException($"the key '{name}' appears twice at line {key.Start.Line.ToString(CultureInfo.InvariantCulture)}");
                    }
                }

                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var item in sequence.Children)
                {
                    array.Add(ToJson(item, depth + 1, ref budget));
                }

                return array;
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new FormatException($"unsupported YAML node at line {node.Start.Line.ToString(CultureInfo.InvariantCulture)} (aliases are not allowed)");
        }
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? string.Empty;
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(value);
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) && char.IsAsciiDigit(value[^1]))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(value);
    }
}
