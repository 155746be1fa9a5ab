namespace Lanes.Cli.Tests.TestSupport;

/// <summary>A fresh directory removed at the end of the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("kubectl-lanes-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
