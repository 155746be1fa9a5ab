using System.Globalization;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;

namespace Lanes.RolloutController.Tests.TestSupport;

/// <summary>
/// Hostile variations of valid JSON documents for property tests: a value anywhere replaced by one of any kind, a key
/// removed, or an unknown key added.
/// </summary>
internal static class JsonEdits
{
    private static readonly Gen<string> Word = Gen.Choose(1, 10)
        .SelectMany(n => Gen.Elements("abcdefghijklmnopqrstuvwxyz0123456789-".ToCharArray()).ArrayOf(n))
        .Select(a => "n" + new string(a));

    /// <summary>Any JSON value, typical ones and wrong-typed ones alike.</summary>
    public static readonly Gen<JsonNode?> AnyValue = Gen.OneOf(
        Gen.Elements<JsonNode?>(null, true, false, 0, -1, 1, 1.5, 1e20, -99999999999, long.MaxValue, "", "x", "50%", "1000%", "-3", "apps/v1", "Deployment"),
        Word.Select(n => (JsonNode?)n),
        Gen.Elements<Func<JsonNode?>>(() => new JsonArray(), () => new JsonObject(), () => new JsonArray(1, "a", null), () => new JsonObject { ["x"] = 1 }).Select(f => f()));

    /// <summary>One to five edits.</summary>
    public static readonly Gen<(int Where, int How, JsonNode? Value)[]> Some = Gen.Choose(1, 5).SelectMany(n =>
        (from at in Gen.Choose(0, 1_000_000)
         from how in Gen.Choose(0, 2)
         from value in AnyValue
         select (at, how, value)).ArrayOf(n));

    /// <summary>Applies <paramref name="edits"/> to <paramref name="document"/> in place and returns it.</summary>
    public static JsonObject Apply(JsonObject document, (int Where, int How, JsonNode? Value)[] edits)
    {
        foreach (var (where, how, value) in edits)
        {
            var slots = new List<(JsonNode Parent, object Key)>();
            Collect(document, slots);
            if (slots.Count == 0)
            {
                break;
            }

            var (parent, key) = slots[where % slots.Count];
            switch (parent, key, how)
            {
                case (JsonObject o, string k, 0):
                    o.Remove(k);
                    break;
                case (JsonObject o, string k, 1):
                    o[k] = value?.DeepClone();
                    break;
                case (JsonObject o, _, _):
                    o["unknown" + where.ToString(CultureInfo.InvariantCulture)] = value?.DeepClone();
                    break;
                case (JsonArray a, int i, 0):
                    a.RemoveAt(i);
                    break;
                case (JsonArray a, int i, _):
                    a[i] = value?.DeepClone();
                    break;
            }
        }

        return document;
    }

    private static void Collect(JsonNode node, List<(JsonNode, object)> slots)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, child) in obj.ToList())
            {
                slots.Add((obj, key));
                if (child is not null)
                {
                    Collect(child, slots);
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                slots.Add((array, i));
                if (array[i] is { } child)
                {
                    Collect(child, slots);
                }
            }
        }
    }
}
