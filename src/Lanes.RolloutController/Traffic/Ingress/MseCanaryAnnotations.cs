using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Traffic.Ingress;

/// <summary>
/// The canary Ingress annotations of the MSE (Alibaba Cloud) ingress, as Kruise's <c>mse.lua</c> writes them: the
/// ingress-nginx canary keys, query matches, <c>service-subset</c> rewritten to <c>gray</c> where the stable Ingress
/// has it, and <c>request-header-control-update</c> from <c>requestHeaderModifier.set</c>.
/// Two deliberate differences: the header-control value has one <c>name value</c> per line (mse.lua concatenates
/// without a separator, which MSE cannot read once there are two headers), and the <c>nginx.</c> query keys it
/// writes are cleared before each step as well (mse.lua only clears the <c>mse.</c> ones, so a query rule outlived
/// its step).
/// </summary>
internal static class MseCanaryAnnotations
{
    public const string MsePrefix = "mse.ingress.kubernetes.io/";
    public const string ServiceSubset = MsePrefix + "service-subset";
    public const string RequestHeaderControlUpdate = MsePrefix + "request-header-control-update";
    public const string ByQuery = NginxCanaryAnnotations.Prefix + "canary-by-query";
    public const string ByQueryPattern = NginxCanaryAnnotations.Prefix + "canary-by-query-pattern";
    public const string ByQueryValue = NginxCanaryAnnotations.Prefix + "canary-by-query-value";

    /// <summary>The subset MSE routes marked traffic to (pods labelled <c>alicloud.service.tag: gray</c>).</summary>
    public const string GraySubset = "gray";

    public static Dictionary<string, string> Build(
        IReadOnlyDictionary<string, string>? current, int weight, IReadOnlyList<HttpRouteMatch>? matches, HttpHeaderFilter? requestHeaderModifier)
    {
        var annotations = NginxCanaryAnnotations.Copy(current);
        NginxCanaryAnnotations.Reset(annotations, weight);
        foreach (var key in new[] { MsePrefix + "canary-by-query", MsePrefix + "canary-by-query-pattern", MsePrefix + "canary-by-query-value", ByQuery, ByQueryPattern, ByQueryValue })
        {
            annotations.Remove(key);
        }

        if (annotations.ContainsKey(ServiceSubset))
        {
            annotations[ServiceSubset] = GraySubset;
        }

        if (requestHeaderModifier is not null)
        {
            annotations[RequestHeaderControlUpdate] = HeaderControl(requestHeaderModifier);
        }

        foreach (var match in matches ?? [])
        {
            NginxCanaryAnnotations.ApplyHeader(annotations, match);
            if (match.QueryParams is { Count: > 0 } queryParams)
            {
                var query = queryParams[0];
                annotations[ByQuery] = query.Name;
                annotations[query.Type == "RegularExpression" ? ByQueryPattern : ByQueryValue] = query.Value;
            }
        }

        return annotations;
    }

    /// <summary>MSE's header-control format: one <c>name value</c> per line, from <c>set</c> only (as mse.lua).</summary>
    public static string HeaderControl(HttpHeaderFilter requestHeaderModifier) =>
        string.Join('\n', (requestHeaderModifier.Set ?? []).Select(static h => h.Name + " " + h.Value));
}
