using System.Globalization;
using System.Text.Json.Nodes;
using System.Text;
using k8s.Models;
using k8s;

namespace Lanes.RolloutController.Cluster;

/// <summary>
/// Compares and hashes pod templates the way Kruise does: ignoring the <c>pod-template-hash</c> label. The revision has
/// the shape of Kruise's <c>ComputeHash</c> (FNV-1a 32 of the template, its decimal digits safe-encoded, like
/// <c>5d8bd4d8f7</c>), but hashes the template's canonical JSON where Kruise hashes go-spew's dump of Go structs, which
/// cannot be reproduced outside Go: equal templates give equal revisions, not Kruise's values.
/// </summary>
internal static class PodTemplateRevision
{
    public static string Compute(V1PodTemplateSpec? template)
    {
        uint hash = 2166136261;
        foreach (var b in Encoding.UTF8.GetBytes(Normalize(template).ToJsonString()))
        {
            hash ^= b;
            hash *= 16777619;
        }

        return Decisions.SafeEncoding.Encode(hash.ToString(CultureInfo.InvariantCulture));
    }

    public static bool AreEqual(V1PodTemplateSpec? a, V1PodTemplateSpec? b) => JsonNode.DeepEquals(Normalize(a), Normalize(b));

    private static JsonNode Normalize(V1PodTemplateSpec? template)
    {
        var node = JsonNode.Parse(KubernetesJson.Serialize(template ?? new V1PodTemplateSpec())) ?? new JsonObject();
        if (node["metadata"]?["labels"] is JsonObject labels)
        {
            labels.Remove("pod-template-hash");
            if (labels.Count == 0)
            {
                ((JsonObject)node["metadata"]!).Remove("labels");
            }
        }

        return node;
    }
}
