namespace Lanes.Kubernetes.Tests.EndToEnd;

/// <summary>
/// Tests that run the sample pods as processes on 127.0.x.y:8080: one at a time (every emulator hands out the same
/// addresses), and never beside the rest of the suite's tests in this assembly.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SampleProcessesCollection
{
    public const string Name = "sample processes";
}
