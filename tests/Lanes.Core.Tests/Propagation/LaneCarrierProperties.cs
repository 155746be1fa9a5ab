using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Lanes.Propagation;
using Microsoft.Extensions.Primitives;

namespace Lanes.Tests.Propagation;

/// <summary>
/// Hostile input for the lane header and baggage readers, 10,000 cases each: whatever arrives, they never throw,
/// only ever yield a valid lane, stay within their size bound, and read back every lane written the way Lanes
/// (or another W3C baggage writer) writes it.
/// </summary>
public class LaneCarrierProperties
{
    private const int Cases = 10_000;
    private const string Key = "x-mse-tag";

    private static readonly Gen<string> s_lane = Text("abcdefghijklmnopqrstuvwxyz0123456789-._", 1, Lane.MaxLength).Where(name => name != Lane.BaseName);

    // Anything a client may send: printable ASCII, separators, control characters and non-ASCII.
    private static readonly Gen<string> s_hostile = Gen.OneOf(
        ArbMap.Default.GeneratorFor<string>().Where(s => s is not null),
        Text(" ,;=%\t\r\n\"\\\0éÿ€gray-GRAY.0", 0, 40),
        s_lane.Select(l => l + ", " + l),
        s_lane.Select(l => $"{Key}={l}"));

    private static readonly Gen<string[]> s_values = Gen.Choose(0, 4).SelectMany(n => s_hostile.ArrayOf(n));

    [Property(MaxTest = Cases)]
    public Property ReadHeader_AnyValues_NeverThrows_AndYieldsOnlyValidLanes() =>
        Prop.ForAll(s_values.ToArbitrary(), values =>
        {
            var rejection = LaneReader.ReadHeader(new StringValues(values), out var lane);
            return Valid(lane) && (rejection == LaneRejection.None || lane.IsBase);
        });

    [Property(MaxTest = Cases)]
    public Property ReadBaggage_AnyValues_NeverThrows_AndYieldsOnlyValidLanes() =>
        Prop.ForAll(s_values.ToArbitrary(), values =>
        {
            var rejection = LaneReader.ReadBaggage(new StringValues(values), Key, out var lane);
            return Valid(lane) && (rejection == LaneRejection.None || lane.IsBase);
        });

    [Property(MaxTest = Cases)]
    public Property Carriers_LargerThanTheBound_AreTooLong_WhateverTheyHold() =>
        Prop.ForAll(s_lane.ToArbitrary(), Gen.Choose(1, 64).ToArbitrary(), (lane, extra) =>
        {
            var padding = new string(' ', LaneReader.MaxCarrierLength);
            var header = LaneReader.ReadHeader(new StringValues([lane, padding[..extra] + lane + padding[extra..]]), out var fromHeader);
            var baggage = LaneReader.ReadBaggage(string.Concat($"{Key}={lane},", padding[..extra], "k=v", padding[extra..]), Key, out var fromBaggage);
            return header == LaneRejection.TooLong && baggage == LaneRejection.TooLong && fromHeader.IsBase && fromBaggage.IsBase;
        });

    [Property(MaxTest = Cases)]
    public Property ReadHeader_LaneAsAnyHopWritesIt_IsReadBack()
    {
        // One value, padded; the same value on repeated lines; or those lines merged into one by a proxy.
        var written = from lane in s_lane
                      from copies in Gen.Choose(1, 4)
                      from merged in ArbMap.Default.GeneratorFor<bool>()
                      from padding in Gen.Elements("", " ", "\t", "  ")
                      select (lane, values: merged
                          ? [string.Join(",", Enumerable.Repeat(padding + lane + padding, copies))]
                          : Enumerable.Repeat(padding + lane + padding, copies).ToArray());
        return Prop.ForAll(written.ToArbitrary(), t =>
            LaneReader.ReadHeader(new StringValues(t.values), out var lane) == LaneRejection.None && lane.Name == t.lane);
    }

    [Property(MaxTest = Cases)]
    public Property ReadHeader_TwoDifferentLanes_AreConflicting_NeverEitherOne() =>
        Prop.ForAll(s_lane.ToArbitrary(), s_lane.ToArbitrary(), ArbMap.Default.GeneratorFor<bool>().ToArbitrary(), (a, b, merged) =>
        {
            var values = merged ? new StringValues($"{a}, {b}") : new StringValues([a, b]);
            var rejection = LaneReader.ReadHeader(values, out var lane);
            return a == b
                ? rejection == LaneRejection.None && lane.Name == a
                : rejection == LaneRejection.Conflicting && lane.IsBase;
        });

    [Property(MaxTest = Cases)]
    public Property ReadBaggage_LaneMemberAmongOthers_IsReadBack_PercentEncodedOrNot()
    {
        var token = Text("abcdefghijklmnopqrstuvwxyzABC0123456789-_*", 1, 11);
        var member = from k in token
                     from v in token
                     from property in Gen.Elements("", ";p=1", ";flag")
                     select $"{k}={v}{property}";
        var lists = from before in Gen.Choose(0, 7).SelectMany(n => member.ArrayOf(n))
                    from after in Gen.Choose(0, 7).SelectMany(n => member.ArrayOf(n))
                    from name in s_lane
                    from encoded in ArbMap.Default.GeneratorFor<bool>()
                    from separator in Gen.Elements(",", " , ", ",\t")
                    select (before, after, name, encoded, separator);
        return Prop.ForAll(lists.ToArbitrary(), t =>
        {
            var value = t.encoded ? string.Concat(t.name.Select(c => $"%{(int)c:X2}")) : t.name;
            var baggage = string.Join(t.separator, t.before.Append($"{Key}={value};ttl=1").Concat(t.after));
            return LaneReader.ReadBaggage(baggage, Key, out var lane) == LaneRejection.None && lane.Name == t.name;
        });
    }

    [Property(MaxTest = Cases)]
    public Property PercentDecode_AnyInput_NeverWritesPastItsBuffer() =>
        Prop.ForAll(s_hostile.ToArbitrary(), Gen.Choose(0, 80).ToArbitrary(), (input, size) =>
        {
            Span<char> destination = stackalloc char[size];
            var decoded = W3CBaggage.TryPercentDecode(input, destination, out var written);
            return written <= size && (!decoded || written <= input.Length);
        });

    // Strings of length min..max over an alphabet, drawn without filtering (a filter on length retries for ever at large sizes).
    private static Gen<string> Text(string alphabet, int min, int max) =>
        Gen.Choose(min, max).SelectMany(n => Gen.Elements(alphabet.ToCharArray()).ArrayOf(n)).Select(a => new string(a));

    private static bool Valid(Lane lane) => lane.IsBase || Lane.Validate(lane.Name) == LaneError.None;
}
