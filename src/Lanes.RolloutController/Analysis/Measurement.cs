namespace Lanes.RolloutController.Analysis;

/// <summary>One measurement: its phase (<see cref="Api.AnalysisPhases"/>), the value as shown in status, and why.</summary>
internal readonly record struct Measurement(string Phase, string Value, string Message);
