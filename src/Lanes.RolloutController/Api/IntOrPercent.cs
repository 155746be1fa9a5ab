using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lanes.RolloutController.Api;

/// <summary>A Kubernetes int-or-string that is either an absolute count or a percentage such as <c>"50%"</c>.</summary>
[JsonConverter(typeof(IntOrPercentJsonConverter))]
internal readonly record struct IntOrPercent
{
    private IntOrPercent(int value, bool isPercent, string? raw)
    {
        Value = value;
        IsPercent = isPercent;
        Raw = raw;
    }

    /// <summary>The number, or the percentage without its sign.</summary>
    public int Value { get; }

    /// <summary>Whether <see cref="Value"/> is a percentage.</summary>
    public bool IsPercent { get; }

    /// <summary>The original string when it could not be parsed; such a value is invalid.</summary>
    public string? Raw { get; }

    /// <summary>Whether the value parsed as a number or a percentage.</summary>
    public bool IsValid => Raw is null;

    /// <summary>An absolute count.</summary>
    public static IntOrPercent FromInt(int value) => new(value, false, null);

    /// <summary>A percentage.</summary>
    public static IntOrPercent FromPercent(int percent) => new(percent, true, null);

    /// <summary>Parses <c>"3"</c>, <c>"50%"</c>; anything else gives an invalid value that keeps the text.</summary>
    public static IntOrPercent Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.EndsWith('%') && int.TryParse(trimmed.AsSpan(0, trimmed.Length - 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var percent))
        {
            return FromPercent(percent);
        }

        return int.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) ? FromInt(count) : new IntOrPercent(0, false, text);
    }

    /// <summary>Resolves against a total, rounding up like Kruise (<c>ceil(percent × total)</c>).</summary>
    public int Resolve(int total) => IsPercent ? (int)Math.Ceiling(Value * (long)total / 100.0) : Value;

    /// <inheritdoc />
    public override string ToString() => Raw ?? (IsPercent ? Value.ToString(CultureInfo.InvariantCulture) + "%" : Value.ToString(CultureInfo.InvariantCulture));
}
