using System.CommandLine;
using Lanes.Cli.Cluster;

namespace Lanes.Cli.Commands;

/// <summary>Runs a verb against the cluster the flags select; every failure ends as one line on stderr and an exit code.</summary>
internal sealed class VerbRunner(GlobalOptions global, CliConsole console, IReadOnlyList<Func<DelegatingHandler>>? handlers)
{
    public CliConsole Console => console;

    public void SetAction(Command command, Func<ParseResult, RolloutApi, CancellationToken, Task<int>> verb) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                using var connection = ClusterConnection.Open(global.Target(parse), handlers);
                return await verb(parse, new RolloutApi(connection), cancellationToken).ConfigureAwait(false);
            }
            catch (CliException e)
            {
                await console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
                return e.ExitCode;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await console.Error.WriteLineAsync("error: interrupted").ConfigureAwait(false);
                return 130;
            }
        });
}
