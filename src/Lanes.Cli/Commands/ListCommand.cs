using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Lanes.Cli.Rendering;

namespace Lanes.Cli.Commands;

/// <summary><c>rollout list</c>: the namespace's Rollouts with the Rollout CRD's printer columns (what <c>kubectl get rollout</c> shows).</summary>
internal static class ListCommand
{
    public static Command Create(VerbRunner verbs)
    {
        var output = GlobalOptions.Output();
        var command = new Command("list", "List the Rollouts in the namespace.") { output };
        verbs.SetAction(command, async (parse, api, cancellationToken) =>
        {
            var list = await api.ListRolloutsAsync(cancellationToken).ConfigureAwait(false);
            var format = parse.GetValue(output);
            if (format != OutputFormat.Text)
            {
                ObjectWriter.Write(verbs.Console.Out, list, format);
                return ExitCodes.Success;
            }

            var items = (list["items"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            if (items.Count == 0)
            {
                await verbs.Console.Error.WriteLineAsync($"No resources found in {api.Namespace} namespace.").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            var now = DateTimeOffset.UtcNow;
            var rows = items
                .OrderBy(static r => JsonPaths.String(r["metadata"]?["name"]), StringComparer.Ordinal)
                .Select(r => (IReadOnlyList<string>)
                [
                    JsonPaths.String(r["metadata"]?["name"]) ?? "",
                    JsonPaths.String(r["status"]?["phase"]) ?? "",
                    JsonPaths.Int(r["status"]?["canaryStatus"]?["currentStepIndex"])?.ToString(CultureInfo.InvariantCulture) ?? "",
                    JsonPaths.String(r["status"]?["canaryStatus"]?["currentStepState"]) ?? "",
                    JsonPaths.String(r["status"]?["message"]) ?? "",
                    TextTable.Age(DateTimeOffset.TryParse(JsonPaths.String(r["metadata"]?["creationTimestamp"]), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null, now),
                ])
                .ToList();
            TextTable.Write(verbs.Console.Out, ["NAME", "STATUS", "CANARY_STEP", "CANARY_STATE", "MESSAGE", "AGE"], rows);
            return ExitCodes.Success;
        });
        return command;
    }
}
