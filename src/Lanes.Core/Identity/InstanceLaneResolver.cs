using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.Identity;

/// <summary>
/// Finds this instance's lane: <c>Lanes:Lane</c> from configuration (which includes the environment
/// variable <c>Lanes__Lane</c>, the natural target of a downward API <c>fieldRef</c>), else the pod
/// labels file, else base. A lane that is present but invalid stops startup: a canary pod serving
/// as base would break the lane invariant.
/// </summary>
internal static partial class InstanceLaneResolver
{
    public static InstanceLane Resolve(IOptions<LanesOptions> options, ILogger logger)
    {
        var value = options.Value;
        if (!string.IsNullOrEmpty(value.Lane))
        {
            return Resolved(logger, Lane.Parse(value.Lane), $"configuration {LanesOptions.SectionName}:Lane");
        }

        var path = value.PodLabelsPath;
        if (!File.Exists(path))
        {
            return Resolved(logger, Lane.Base, "default (no Lanes:Lane and no pod labels file)");
        }

        var labels = PodLabels.Parse(File.ReadAllText(path), out var malformed);
        if (malformed > 0)
        {
            Log.MalformedLabels(logger, malformed, path);
        }

        if (PodLabels.FindLane(labels) is not { } found)
        {
            return Resolved(logger, Lane.Base, $"pod labels {path}");
        }

        if (!Lane.TryParse(found.Value, out var lane))
        {
            throw new InvalidOperationException(
                $"The pod label '{found.Label}' in {path} is '{found.Value}', which is not a valid lane: " +
                $"{Lane.DescribeError(Lane.Validate(found.Value))}.");
        }

        return Resolved(logger, lane, $"pod label {found.Label} in {path}");
    }

    private static InstanceLane Resolved(ILogger logger, Lane lane, string source)
    {
        Log.InstanceLane(logger, lane.ToString(), source);
        return new InstanceLane(lane, source);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "This instance serves lane '{Lane}' (from {Source}).", EventName = "InstanceLaneResolved")]
        public static partial void InstanceLane(ILogger logger, string lane, string source);

        [LoggerMessage(2, LogLevel.Warning, "Skipped {Count} malformed lines in the pod labels file {Path}.", EventName = "MalformedPodLabels")]
        public static partial void MalformedLabels(ILogger logger, int count, string path);
    }
}
