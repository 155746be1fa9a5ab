namespace Lanes.RolloutController.Api;

/// <summary>Labels and annotations merged into the canary pod template.</summary>
internal sealed class PatchPodTemplateMetadata
{
    /// <summary>Annotations.</summary>
    public Dictionary<string, string>? Annotations { get; set; }

    /// <summary>Labels, for example <c>alicloud.service.tag: gray</c>.</summary>
    public Dictionary<string, string>? Labels { get; set; }
}
