using System.Text.Json;
using System.Text.Json.Nodes;
using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Traffic.Lanes;

/// <summary>
/// Where and how the Lanes entry gateway reads its rules: ConfigMap <c>lanes-entry-&lt;gateway&gt;</c>, one key per
/// owner holding that owner's strategy in Kruise's JSON shape (the format of <c>Lanes:Entry:RulesDirectory</c>).
/// </summary>
internal static class LanesEntryRules
{
    public const string ConfigMapPrefix = "lanes-entry-";

    public static string ConfigMapName(string gateway) => ConfigMapPrefix + gateway;

    /// <summary><c>&lt;trafficrouting&gt;.json</c> for a TrafficRouting, <c>rollout.&lt;rollout&gt;.json</c> for a Rollout's own routes.</summary>
    public static string KeyFor(TrafficRoutingOwner owner) =>
        owner.Kind == "TrafficRouting" ? owner.Name + ".json" : "rollout." + owner.Name + ".json";

    public static string Serialize(TrafficStrategy strategy) => JsonSerializer.Serialize(strategy, ApiJson.Options);

    /// <summary>Whether the stored text already holds this strategy (compared as JSON, so formatting does not matter).</summary>
    public static bool Holds(string? stored, string desired)
    {
        if (stored is null)
        {
            return false;
        }

        try
        {
            return JsonNode.DeepEquals(JsonNode.Parse(stored), JsonNode.Parse(desired));
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
