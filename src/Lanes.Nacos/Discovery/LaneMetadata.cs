namespace Lanes.Nacos.Discovery;

/// <summary>
/// Reads and writes an instance's lane in Nacos metadata the way Alibaba MSE does (keys configurable):
/// <c>alicloud.service.tag: gray</c> or <c>opensergo.io/canary-gray: gray</c> mark a lane instance,
/// <c>opensergo.io/canary: ""</c> or no such key marks a base instance.
/// </summary>
internal sealed class LaneMetadata(NacosLaneMetadataOptions options)
{
    private readonly string _baseKey = options.BaseKey;
    private readonly string _prefix = options.LaneKeyPrefix;
    private readonly string _serviceTagKey = options.ServiceTagKey;

    /// <summary>
    /// The lane <paramref name="metadata"/> names. Returns <see langword="false"/> when it names one that is
    /// not a valid lane: such an instance must not serve base traffic either.
    /// </summary>
    public bool TryRead(IReadOnlyDictionary<string, string> metadata, out Lane lane)
    {
        lane = Lane.Base;
        if (metadata.Count == 0)
        {
            return true;
        }

        if (_serviceTagKey.Length > 0 && metadata.TryGetValue(_serviceTagKey, out var tag) && tag.Length > 0)
        {
            return Lane.TryParse(tag, out lane);
        }

        if (_prefix.Length == 0)
        {
            return true;
        }

        foreach (var (key, value) in metadata)
        {
            if (key.Length > _prefix.Length && key.StartsWith(_prefix, StringComparison.Ordinal))
            {
                // MSE writes the lane as the value; the key's suffix names it too.
                return value.Length > 0 ? Lane.TryParse(value, out lane) : Lane.TryParse(key.AsSpan(_prefix.Length), out lane);
            }
        }

        return true;
    }

    /// <summary>Adds the keys that tag <paramref name="lane"/> to <paramref name="metadata"/>.</summary>
    public void Write(Lane lane, IDictionary<string, string> metadata)
    {
        if (lane.IsBase)
        {
            if (_baseKey.Length > 0)
            {
                metadata[_baseKey] = string.Empty;
            }

            return;
        }

        if (_prefix.Length > 0)
        {
            metadata[_prefix + lane.Name] = lane.Name!;
        }

        if (_serviceTagKey.Length > 0)
        {
            metadata[_serviceTagKey] = lane.Name!;
        }
    }
}
