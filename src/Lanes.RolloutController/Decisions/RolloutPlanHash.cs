using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Lanes.RolloutController.Api;

namespace Lanes.RolloutController.Decisions;

/// <summary>
/// Kruise's <c>rollouts.kruise.io/hash</c>: the canary strategy without <c>failureThreshold</c> and step pauses, written
/// as Go's <c>encoding/json</c> writes Kruise's v1beta1 structs (field order, <c>omitempty</c>, sorted maps, HTML
/// escapes), hashed with SHA-256 and passed through <c>rand.SafeEncodeString</c>. Same plan, same value as Kruise.
/// </summary>
internal static class RolloutPlanHash
{
    public static string Compute(CanaryStrategy? canary)
    {
        var json = new StringBuilder(256);
        WriteCanary(json, canary ?? new CanaryStrategy());
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(json.ToString()));
        return SafeEncoding.Encode(Convert.ToHexStringLower(digest));
    }

    internal static string GoJson(CanaryStrategy canary)
    {
        var json = new StringBuilder(256);
        WriteCanary(json, canary);
        return json.ToString();
    }

    private static void WriteCanary(StringBuilder json, CanaryStrategy canary)
    {
        var o = new GoObject(json);
        if (canary.Steps is { Count: > 0 } steps)
        {
            o.Name("steps");
            WriteArray(json, steps, WriteStep);
        }

        if (canary.TrafficRoutings is { Count: > 0 } refs)
        {
            o.Name("trafficRoutings");
            WriteArray(json, refs, WriteTrafficRoutingRef);
        }

        if (canary.PatchPodTemplateMetadata is { } patch)
        {
            o.Name("patchPodTemplateMetadata");
            var p = new GoObject(json);
            if (patch.Annotations is { Count: > 0 } annotations)
            {
                p.Name("annotations");
                WriteMap(json, annotations);
            }

            if (patch.Labels is { Count: > 0 } labels)
            {
                p.Name("labels");
                WriteMap(json, labels);
            }

            p.End();
        }

        if (canary.EnableExtraWorkloadForCanary)
        {
            o.Name("enableExtraWorkloadForCanary");
            json.Append("true");
        }

        o.String("trafficRoutingRef", canary.TrafficRoutingRef);
        if (canary.DisableGenerateCanaryService)
        {
            o.Name("disableGenerateCanaryService");
            json.Append("true");
        }

        o.End();
    }

    private static void WriteStep(StringBuilder json, CanaryStep step)
    {
        var o = new GoObject(json);
        if (step.Traffic is not null)
        {
            // A *string: present even when empty.
            o.Name("traffic");
            Quote(json, step.Traffic);
        }

        if (step.RequestHeaderModifier is { } modifier)
        {
            o.Name("requestHeaderModifier");
            var m = new GoObject(json);
            if (modifier.Set is { Count: > 0 } set)
            {
                m.Name("set");
                WriteArray(json, set, WriteHeader);
            }

            if (modifier.Add is { Count: > 0 } add)
            {
                m.Name("add");
                WriteArray(json, add, WriteHeader);
            }

            if (modifier.Remove is { Count: > 0 } remove)
            {
                m.Name("remove");
                WriteStrings(json, remove);
            }

            m.End();
        }

        if (step.Matches is { Count: > 0 } matches)
        {
            o.Name("matches");
            WriteArray(json, matches, WriteMatch);
        }

        if (step.Replicas is { } replicas)
        {
            o.Name("replicas");
            if (replicas.IsValid && !replicas.IsPercent)
            {
                json.Append(replicas.Value.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                Quote(json, replicas.ToString());
            }
        }

        // Kruise empties the pause; a struct is never omitted by encoding/json.
        o.Name("pause");
        json.Append("{}");
        o.End();
    }

    private static void WriteMatch(StringBuilder json, HttpRouteMatch match)
    {
        var o = new GoObject(json);
        if (match.Path is { } path)
        {
            o.Name("path");
            var p = new GoObject(json);
            p.String("type", path.Type);
            p.String("value", path.Value);
            p.End();
        }

        if (match.Headers is { Count: > 0 } headers)
        {
            o.Name("headers");
            WriteArray(json, headers, WriteValueMatch);
        }

        if (match.QueryParams is { Count: > 0 } query)
        {
            o.Name("queryParams");
            WriteArray(json, query, WriteValueMatch);
        }

        o.End();
    }

    private static void WriteValueMatch(StringBuilder json, HttpValueMatch match)
    {
        var o = new GoObject(json);
        o.String("type", match.Type);
        o.Name("name");
        Quote(json, match.Name);
        o.Name("value");
        Quote(json, match.Value);
        o.End();
    }

    private static void WriteHeader(StringBuilder json, HttpHeader header)
    {
        var o = new GoObject(json);
        o.Name("name");
        Quote(json, header.Name);
        o.Name("value");
        Quote(json, header.Value);
        o.End();
    }

    private static void WriteTrafficRoutingRef(StringBuilder json, TrafficRoutingRef tr)
    {
        var o = new GoObject(json);
        o.Name("service");
        Quote(json, tr.Service);
        if (tr.GracePeriodSeconds is { } grace and not 0)
        {
            o.Name("gracePeriodSeconds");
            json.Append(grace.ToString(CultureInfo.InvariantCulture));
        }

        if (tr.Ingress is { } ingress)
        {
            o.Name("ingress");
            var i = new GoObject(json);
            i.String("classType", ingress.ClassType);
            i.Name("name");
            Quote(json, ingress.Name);
            i.End();
        }

        if (tr.Gateway is { } gateway)
        {
            o.Name("gateway");
            var g = new GoObject(json);
            if (gateway.HttpRouteName is not null)
            {
                g.Name("httpRouteName");
                Quote(json, gateway.HttpRouteName);
            }

            g.End();
        }

        if (tr.CustomNetworkRefs is { Count: > 0 } custom)
        {
            o.Name("customNetworkRefs");
            WriteArray(json, custom, static (b, r) =>
            {
                var c = new GoObject(b);
                c.Name("apiVersion");
                Quote(b, r.ApiVersion ?? "");
                c.Name("kind");
                Quote(b, r.Kind ?? "");
                c.Name("name");
                Quote(b, r.Name ?? "");
                c.End();
            });
        }

        o.End();
    }

    private static void WriteMap(StringBuilder json, Dictionary<string, string> map)
    {
        var keys = new List<string>(map.Keys);
        keys.Sort(StringComparer.Ordinal);
        var o = new GoObject(json);
        foreach (var key in keys)
        {
            o.Name(key);
            Quote(json, map[key]);
        }

        o.End();
    }

    // A null item of a JSON array is what Go decodes into a slice of structs as the struct's zero value.
    private static void WriteArray<T>(StringBuilder json, List<T> items, Action<StringBuilder, T> write)
        where T : class, new()
    {
        json.Append('[');
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                json.Append(',');
            }

            write(json, items[i] ?? new T());
        }

        json.Append(']');
    }

    private static void WriteStrings(StringBuilder json, List<string> items)
    {
        json.Append('[');
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                json.Append(',');
            }

            Quote(json, items[i]);
        }

        json.Append(']');
    }

    // encoding/json's string escaping: HTML-safe, \u2028 and \u2029 escaped, other non-ASCII as UTF-8. A JSON null
    // (a label value, a header name) is what Go decodes into a string as its zero value, "".
    private static void Quote(StringBuilder json, string? value)
    {
        json.Append('"');
        foreach (var ch in value ?? "")
        {
            switch (ch)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                case '<' or '>' or '&' or '\u2028' or '\u2029':
                    json.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (ch < 0x20)
                    {
                        json.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        json.Append(ch);
                    }

                    break;
            }
        }

        json.Append('"');
    }

    private struct GoObject
    {
        private readonly StringBuilder _json;
        private bool _any;

        public GoObject(StringBuilder json)
        {
            _json = json;
            _any = false;
            json.Append('{');
        }

        public void Name(string name)
        {
            if (_any)
            {
                _json.Append(',');
            }

            _any = true;
            Quote(_json, name);
            _json.Append(':');
        }

        // A string field tagged omitempty.
        public void String(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                Name(name);
                Quote(_json, value);
            }
        }

        public readonly void End() => _json.Append('}');
    }
}
