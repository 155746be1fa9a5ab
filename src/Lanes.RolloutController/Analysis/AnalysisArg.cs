namespace Lanes.RolloutController.Analysis;

/// <summary>An argument of a template; <paramref name="Value"/> is its default, <see langword="null"/> when it must be given.</summary>
internal sealed record AnalysisArg(string Name, string? Value);
