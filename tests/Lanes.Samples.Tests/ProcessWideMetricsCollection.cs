namespace Lanes.Samples.Tests;

/// <summary>
/// Tests that scrape the samples' Prometheus endpoint run alone. OpenTelemetry's SDK merges the same-named meters of every
/// host in the process (each host has its own <c>Microsoft.AspNetCore.Hosting</c> meter) into one stream, and stops
/// collecting that stream for good when any one of those meters is disposed (open-telemetry/opentelemetry-dotnet#6412):
/// another test's host shutting down mid-test would silently end the counts these tests read. One host per process, as
/// in production, never meets this.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMetricsCollection
{
    public const string Name = "process-wide metrics";
}
