namespace Lanes.RolloutController.Api;

/// <summary>The result of one metric of an analysis run.</summary>
internal sealed class AnalysisMetricStatus
{
    public string Template { get; set; } = "";

    public string Name { get; set; } = "";

    /// <summary>See <see cref="AnalysisPhases"/>.</summary>
    public string Phase { get; set; } = AnalysisPhases.Running;

    /// <summary>The values measured so far, oldest first (<c>"0.013"</c>, <c>"NaN"</c>, <c>"[]"</c> for an empty result, <c>"error"</c>).</summary>
    public List<string> Values { get; set; } = [];

    public int Successful { get; set; }

    public int Failed { get; set; }

    public int Inconclusive { get; set; }

    public int Errors { get; set; }

    public string? SuccessCondition { get; set; }

    public string? FailureCondition { get; set; }

    /// <summary>The last measurement's explanation (an error, an empty result, the condition that decided).</summary>
    public string? Message { get; set; }
}
