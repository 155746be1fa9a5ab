using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>The <c>pod-template-hash</c> the simulated Deployment controller stamps on ReplicaSets and pods.</summary>
public static class PodTemplateHash
{
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static string Compute(JsonNode? template)
    {
        var copy = template?.DeepClone() as JsonObject ?? [];
        (copy["metadata"]?["labels"] as JsonObject)?.Remove("pod-template-hash");
        uint hash = 2166136261;
        foreach (var b in Encoding.UTF8.GetBytes(copy.ToJsonString()))
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
}
