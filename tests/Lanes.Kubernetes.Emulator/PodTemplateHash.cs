using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// The <c>pod-template-hash</c> the simulated Deployment controller stamps on ReplicaSets and pods. Like the Deployment
/// controller's hash of the template struct (fields in a fixed order, map keys sorted), it depends on the template's
/// content only, not on the order in which a patch or an apply left its JSON keys: a template reverted to an earlier
/// one has that one's hash again, so its ReplicaSet is reused.
/// </summary>
public static class PodTemplateHash
{
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static string Compute(JsonNode? template)
    {
        var copy = template?.DeepClone() as JsonObject ?? [];
        (copy["metadata"]?["labels"] as JsonObject)?.Remove("pod-template-hash");
        uint hash = 2166136261;
        foreach (var b in Encoding.UTF8.GetBytes(Canonical(copy)!.ToJsonString()))
        {
            hash ^= b;
            hash *= 16777619;
        }

        var digits = hash.ToString(CultureInfo.InvariantCulture);
        return string.Create(digits.Length, digits, static (span, d) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[d[i] % Alphabet.Length];
            }
        });
    }

    // Object keys sorted at every level; list order is content and stays.
    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(static p => p.Key, StringComparer.Ordinal).Select(static p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Canonical)]),
        _ => node?.DeepClone(),
    };
}
