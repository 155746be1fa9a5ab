using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Lanes.Yarp.Diagnostics;

/// <summary>Renders the status as one self-contained HTML page (no script, no external resources).</summary>
internal static class LanesStatusPage
{
    public static string Render(LanesStatus status)
    {
        var html = new StringBuilder(8192);
        html.Append("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><link rel="icon" href="data:,">
            <title>Lanes at this gateway</title>
            <style>
            body{font:14px system-ui,sans-serif;margin:24px;color:#1d2330}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
            table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccd;padding:4px 8px;text-align:left;vertical-align:top}
            th{background:#eef}.lane{font-weight:600}.ok{color:#116611}.bad{color:#b00020}.muted{color:#667}code{font-size:13px}
            </style></head><body>
            """);
        html.Append("<h1>Lanes at this gateway</h1>");
        Line(html, "muted", $"As of {Time(status.At)}. Also as JSON: <a href=\"lanes.json\">lanes.json</a>.", encode: false);

        var rules = status.Rules;
        html.Append("<h2 id=\"rules\">Rules in force</h2>");
        Line(html, null, $"Version {rules.Version.ToString(CultureInfo.InvariantCulture)}, loaded {Time(rules.LoadedAt)}; sources: {(rules.Sources.Count == 0 ? "none" : string.Join(", ", rules.Sources))}"
            + (rules.Directory is null ? "." : $"; directory {rules.Directory}."));
        html.Append("<table id=\"rule-table\"><tr><th>#</th><th>Rule</th><th>Source</th><th>Lane</th><th>Matches</th></tr>");
        for (var i = 0; i < rules.Rules.Count; i++)
        {
            var rule = rules.Rules[i];
            Row(html, (i + 1).ToString(CultureInfo.InvariantCulture), rule.Name, rule.Source, rule.Lane, rule.Matches);
        }

        html.Append("</table>");
        if (rules.LastRejected is { } rejected)
        {
            html.Append("<div id=\"last-rejected\" class=\"bad\">");
            Line(html, "bad", $"Last rejected reload: {Time(rejected.At)} from {rejected.Source}; the rules above stayed in force.");
            html.Append("<ul>");
            foreach (var error in rejected.Errors)
            {
                html.Append("<li><code>").Append(HtmlEncoder.Default.Encode(error)).Append("</code></li>");
            }

            html.Append("</ul></div>");
        }
        else
        {
            Line(html, "muted", "No reload has been rejected.");
        }

        html.Append("<h2 id=\"services\">Services and their lanes</h2>");
        html.Append("<table id=\"service-table\"><tr><th>Service (cluster)</th><th>Lane</th><th>Instances</th><th>Available</th><th>Destinations (active / passive health)</th></tr>");
        foreach (var service in status.Services)
        {
            foreach (var lane in service.Lanes)
            {
                var destinations = string.Join("; ", lane.Destinations.Select(d => $"{d.Address} ({d.ActiveHealth} / {d.PassiveHealth}{(d.Available ? string.Empty : ", out")})"));
                html.Append("<tr data-service=\"").Append(HtmlEncoder.Default.Encode(service.Service)).Append("\" data-lane=\"").Append(HtmlEncoder.Default.Encode(lane.Lane)).Append("\">");
                Cell(html, $"{service.Service} ({service.Cluster})");
                html.Append("<td class=\"lane\">").Append(HtmlEncoder.Default.Encode(lane.Lane)).Append("</td>");
                Cell(html, lane.Instances.ToString(CultureInfo.InvariantCulture));
                html.Append("<td class=\"").Append(lane.Available == lane.Instances ? "ok" : "bad").Append("\">").Append(lane.Available.ToString(CultureInfo.InvariantCulture)).Append("</td>");
                Cell(html, destinations);
                html.Append("</tr>");
            }
        }

        html.Append("</table>");

        html.Append("<h2 id=\"decisions\">Routing decisions since start</h2>");
        html.Append("<table id=\"decision-table\"><tr><th>Cluster</th><th>Lane</th><th>Reason</th><th>Requests</th><th>Most recent</th></tr>");
        foreach (var decision in status.Decisions)
        {
            Row(html, decision.Cluster, decision.Lane, decision.Reason, decision.Count.ToString(CultureInfo.InvariantCulture), decision.Recent.Count == 0 ? string.Empty : Time(decision.Recent[0]));
        }

        html.Append("</table>");

        var entry = status.Entry;
        html.Append("<h2 id=\"trust\">Trust boundary</h2>");
        Line(html, null, entry.Enabled
            ? $"Lanes sent by clients are removed unless the peer is a trusted proxy ({(entry.TrustedProxies.Count == 0 ? "none" : string.Join(", ", entry.TrustedProxies))}) or the request has a valid lane token ({entry.TokenKeys.ToString(CultureInfo.InvariantCulture)} signing keys). Lanes they may open: {(entry.AllowedLanes.Count == 0 ? "any" : string.Join(", ", entry.AllowedLanes))}."
            : "This application is not an entry: it trusts the lane its callers send.");
        html.Append("</body></html>");
        return html.ToString();
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static void Line(StringBuilder html, string? cssClass, string text, bool encode = true)
    {
        html.Append(cssClass is null ? "<p>" : $"<p class=\"{cssClass}\">").Append(encode ? HtmlEncoder.Default.Encode(text) : text).Append("</p>");
    }

    private static void Cell(StringBuilder html, string text) => html.Append("<td>").Append(HtmlEncoder.Default.Encode(text)).Append("</td>");

    private static void Row(StringBuilder html, params string[] cells)
    {
        html.Append("<tr>");
        foreach (var cell in cells)
        {
            Cell(html, cell);
        }

        html.Append("</tr>");
    }
}
