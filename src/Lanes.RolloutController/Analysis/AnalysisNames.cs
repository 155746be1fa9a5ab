namespace Lanes.RolloutController.Analysis;

/// <summary>Lanes' analysis API: the <c>AnalysisTemplate</c> resource and the Rollout annotations that use it.</summary>
internal static class AnalysisNames
{
    public const string Group = "lanes.dev";
    public const string Version = "v1alpha1";
    public const string TemplatePlural = "analysistemplates";

    /// <summary>On a Rollout: the templates (comma-separated) that judge each canary step.</summary>
    public const string AnalysisAnnotation = "lanes.dev/analysis";

    /// <summary>On a Rollout: argument values, <c>name=value</c> comma-separated, for the templates' <c>{{args.name}}</c>.</summary>
    public const string ArgsAnnotation = "lanes.dev/analysis-args";
}
