using System.Globalization;
using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Traffic.Ingress;

/// <summary>
/// The canary Ingress annotations of ingress-nginx, as Kruise's <c>lua_configuration/trafficrouting_ingress/nginx.lua</c>
/// writes them (<c>higress.lua</c> writes the same keys, <c>aliyun-alb.lua</c> the same under <c>alb.ingress.kubernetes.io/</c>):
/// every canary key is cleared and rewritten from the step, so the result depends only on the annotations copied
/// from the stable Ingress and the strategy. Of each match only the first header is used; with several matches the
/// last one wins (these controllers have one header rule per canary Ingress).
/// </summary>
internal static class NginxCanaryAnnotations
{
    public const string Prefix = "nginx.ingress.kubernetes.io/";
    public const string Canary = Prefix + "canary";
    public const string ByCookie = Prefix + "canary-by-cookie";
    public const string ByHeader = Prefix + "canary-by-header";
    public const string ByHeaderPattern = Prefix + "canary-by-header-pattern";
    public const string ByHeaderValue = Prefix + "canary-by-header-value";
    public const string Weight = Prefix + "canary-weight";

    /// <summary>The pseudo header name that means "match a cookie" in Kruise's scripts.</summary>
    public const string CookieHeaderName = "canary-by-cookie";

    /// <summary>Aliyun ALB's prefix.</summary>
    public const string AlbPrefix = "alb.ingress.kubernetes.io/";

    public static Dictionary<string, string> Build(IReadOnlyDictionary<string, string>? current, int weight, IReadOnlyList<HttpRouteMatch>? matches, string prefix = Prefix)
    {
        var annotations = Copy(current);
        Reset(annotations, weight, prefix);
        foreach (var match in matches ?? [])
        {
            ApplyHeader(annotations, match, prefix);
        }

        return annotations;
    }

    internal static Dictionary<string, string> Copy(IReadOnlyDictionary<string, string>? current) =>
        current is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(current, StringComparer.Ordinal);

    internal static void Reset(Dictionary<string, string> annotations, int weight, string prefix = Prefix)
    {
        annotations[prefix + "canary"] = "true";
        annotations.Remove(prefix + "canary-by-cookie");
        annotations.Remove(prefix + "canary-by-header");
        annotations.Remove(prefix + "canary-by-header-pattern");
        annotations.Remove(prefix + "canary-by-header-value");
        annotations.Remove(prefix + "canary-weight");
        if (weight != -1)
        {
            annotations[prefix + "canary-weight"] = weight.ToString(CultureInfo.InvariantCulture);
        }
    }

    internal static void ApplyHeader(Dictionary<string, string> annotations, HttpRouteMatch match, string prefix = Prefix)
    {
        if (match.Headers is not { Count: > 0 } headers)
        {
            return;
        }

        var header = headers[0];
        if (header.Name == CookieHeaderName)
        {
            annotations[prefix + "canary-by-cookie"] = header.Value;
            return;
        }

        annotations[prefix + "canary-by-header"] = header.Name;
        annotations[prefix + (header.Type == "RegularExpression" ? "canary-by-header-pattern" : "canary-by-header-value")] = header.Value;
    }
}
