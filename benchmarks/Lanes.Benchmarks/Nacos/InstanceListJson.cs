using System.Globalization;
using System.Text;

namespace Lanes.Benchmarks.Nacos;

/// <summary>Builds <c>/nacos/v1/ns/instance/list</c> answers shaped like a real server's.</summary>
internal static class InstanceListJson
{
    private static readonly string[] s_lanes = ["gray", "blue", "canary"];

    /// <summary>
    /// <paramref name="count"/> instances: nine in ten base, the rest spread over three lanes, with the
    /// metadata a Spring Cloud Alibaba service registers. <paramref name="variant"/> moves one instance so two
    /// variants differ by exactly one host.
    /// </summary>
    public static byte[] Build(string service, int count, int variant, long lastRefTime)
    {
        var builder = new StringBuilder(count * 420);
        builder.Append(CultureInfo.InvariantCulture, $$"""{"name":"DEFAULT_GROUP@@{{service}}","groupName":"DEFAULT_GROUP","clusters":"","cacheMillis":10000,"hosts":[""");
        for (var i = 0; i < count; i++)
        {
            var ip = $"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}";
            var port = i == 0 ? 8080 + variant : 8080;
            var lane = i % 10 == 9 ? s_lanes[(i / 10) % s_lanes.Length] : null;
            var laneMetadata = lane is null ? "\"opensergo.io/canary\":\"\"" : $"\"opensergo.io/canary-{lane}\":\"{lane}\",\"alicloud.service.tag\":\"{lane}\"";
            builder.Append(i == 0 ? string.Empty : ",");
            builder.Append(CultureInfo.InvariantCulture, $$"""{"instanceId":"{{ip}}#{{port}}#DEFAULT#DEFAULT_GROUP@@{{service}}","ip":"{{ip}}","port":{{port}},"weight":1.0,"healthy":true,"enabled":true,"ephemeral":true,"clusterName":"DEFAULT","serviceName":"DEFAULT_GROUP@@{{service}}","metadata":{"preserved.register.source":"SPRING_CLOUD","version":"1.4.2",{{laneMetadata}}},"instanceHeartBeatInterval":5000,"instanceIdGenerator":"simple","instanceHeartBeatTimeOut":15000,"ipDeleteTimeout":30000}""");
        }

        builder.Append(CultureInfo.InvariantCulture, $$"""],"lastRefTime":{{lastRefTime}},"checksum":"","allIPs":false,"reachProtectionThreshold":false,"valid":true}""");
        return Encoding.UTF8.GetBytes(builder.ToString());
    }
}
