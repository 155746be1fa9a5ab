namespace Lanes.Extensibility;

/// <summary>
/// The labels that give an instance its lane, by the conventions MSE and OpenSergo use on Kubernetes pods:
/// <c>alicloud.service.tag: &lt;lane&gt;</c>, or <c>opensergo.io/canary-&lt;lane&gt;: &lt;lane&gt;</c>. Lanes reads them
/// from the pod labels file of the downward API; discovery providers that see pods (Lanes.Kubernetes) read them the same way.
/// </summary>
public static class InstanceLaneLabels
{
    /// <summary>The label MSE reads for an instance's lane.</summary>
    public const string ServiceTagLabel = "alicloud.service.tag";

    /// <summary>The OpenSergo label prefix: <c>opensergo.io/canary-&lt;lane&gt;: &lt;lane&gt;</c> marks a lane instance.</summary>
    public const string CanaryLabelPrefix = "opensergo.io/canary-";

    /// <summary>
    /// The lane the labels give, with the label that gave it: <c>alicloud.service.tag</c> first, then
    /// <c>opensergo.io/canary-&lt;lane&gt;</c>. Returns <see langword="null"/> when neither is set (a base instance).
    /// The value is returned as written; the caller validates it as a lane name.
    /// </summary>
    /// <param name="labels">The instance's labels.</param>
    public static (string Value, string Label)? FindLane(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.TryGetValue(ServiceTagLabel, out var tag) && tag.Length > 0)
        {
            return (tag, ServiceTagLabel);
        }

        foreach (var (key, value) in labels)
        {
            if (key.StartsWith(CanaryLabelPrefix, StringComparison.Ordinal) && key.Length > CanaryLabelPrefix.Length && value.Length > 0)
            {
                return (value, key);
            }
        }

        return null;
    }
}
