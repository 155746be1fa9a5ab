namespace Lanes.Nacos;

/// <summary>
/// How an instance's lane is written to and read from Nacos metadata. The defaults follow Alibaba MSE, so
/// .NET and Java services share lanes: a lane instance carries <c>opensergo.io/canary-&lt;lane&gt;: &lt;lane&gt;</c>
/// and <c>alicloud.service.tag: &lt;lane&gt;</c>, a base instance carries <c>opensergo.io/canary</c> with an empty value.
/// </summary>
public sealed class NacosLaneMetadataOptions
{
    /// <summary>The key a base instance carries, with an empty value; empty writes none.</summary>
    /// <value>The default value is <c>opensergo.io/canary</c>.</value>
    public string BaseKey { get; set; } = "opensergo.io/canary";

    /// <summary>The prefix of the key a lane instance carries (<c>&lt;prefix&gt;&lt;lane&gt;: &lt;lane&gt;</c>).</summary>
    /// <value>The default value is <c>opensergo.io/canary-</c>.</value>
    public string LaneKeyPrefix { get; set; } = "opensergo.io/canary-";

    /// <summary>A key whose value is the lane, read first and written for lane instances; empty disables it.</summary>
    /// <value>The default value is <c>alicloud.service.tag</c>.</value>
    public string ServiceTagKey { get; set; } = "alicloud.service.tag";
}
