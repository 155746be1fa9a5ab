using System.Text;

namespace Lanes.Nacos.Tests.Infrastructure;

/// <summary>Instance lists shaped exactly like the <c>/nacos/v1/ns/instance/list</c> answer in Nacos's open-API documentation.</summary>
internal static class NacosJson
{
    public sealed record Host(string Ip, int Port, string? Lane = null, double Weight = 1, bool Healthy = true, bool Enabled = true, string? ExtraMetadata = null);

    public static string ServiceInfo(string service, long lastRefTime, params Host[] hosts) => ServiceInfo(service, "DEFAULT_GROUP", lastRefTime, hosts);

    public static string ServiceInfo(string service, string group, long lastRefTime, params Host[] hosts)
    {
        var grouped = $"{group}@@{service}";
        var builder = new StringBuilder();
        builder.Append($$"""{"name":"{{grouped}}","groupName":"{{group}}","clusters":"","cacheMillis":10000,"hosts":[""");
        for (var i = 0; i < hosts.Length; i++)
        {
            var h = hosts[i];
            var metadata = h.Lane is null ? "\"opensergo.io/canary\":\"\"" : $"\"opensergo.io/canary-{h.Lane}\":\"{h.Lane}\"";
            if (h.ExtraMetadata is not null)
            {
                metadata += "," + h.ExtraMetadata;
            }

            builder.Append(i == 0 ? string.Empty : ",");
            builder.Append($$"""{"instanceId":"{{h.Ip}}#{{h.Port}}#DEFAULT#{{grouped}}","ip":"{{h.Ip}}","port":{{h.Port}},"weight":{{h.Weight.ToString(System.Globalization.CultureInfo.InvariantCulture)}},"healthy":{{(h.Healthy ? "true" : "false")}},"enabled":{{(h.Enabled ? "true" : "false")}},"ephemeral":true,"clusterName":"DEFAULT","serviceName":"{{grouped}}","metadata":{{{metadata}}},"instanceHeartBeatInterval":5000,"instanceIdGenerator":"simple","instanceHeartBeatTimeOut":15000,"ipDeleteTimeout":30000}""");
        }

        builder.Append($$"""],"lastRefTime":{{lastRefTime}},"checksum":"","allIPs":false,"reachProtectionThreshold":false,"valid":true}""");
        return builder.ToString();
    }
}
