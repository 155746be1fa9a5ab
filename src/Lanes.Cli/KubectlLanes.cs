using System.CommandLine;
using Lanes.Cli.Commands;

namespace Lanes.Cli;

/// <summary>The <c>kubectl-lanes</c> command line: parses, runs one verb, and returns the process exit code.</summary>
internal static class KubectlLanes
{
    /// <param name="args">The arguments after <c>kubectl lanes</c>.</param>
    /// <param name="console">Where output and errors go.</param>
    /// <param name="handlers">Extra HTTP handlers around the API client (tests observe requests with them).</param>
    /// <param name="cancellationToken">Stops a running verb (Ctrl+C).</param>
    public static Task<int> RunAsync(string[] args, CliConsole console, IReadOnlyList<Func<DelegatingHandler>>? handlers = null, CancellationToken cancellationToken = default)
    {
        var root = BuildCommand(console, handlers);
        var invocation = new InvocationConfiguration { Output = console.Out, Error = console.Error };
        return root.Parse(args).InvokeAsync(invocation, cancellationToken);
    }

    internal static Command BuildCommand(CliConsole console, IReadOnlyList<Func<DelegatingHandler>>? handlers)
    {
        var global = new GlobalOptions();

        // Named for the plugin (a RootCommand takes the entry assembly's name, Lanes.Cli), with RootCommand's --help and --version.
        var root = new Command("kubectl-lanes", "Operate Kruise-compatible canary releases of traffic lanes (kubectl lanes ...).")
        {
            new System.CommandLine.Help.HelpOption(),
            new VersionOption(),
        };
        global.AddTo(root);
        var verbs = new VerbRunner(global, console, handlers);
        root.Subcommands.Add(RolloutCommand.Create(verbs));
        root.Subcommands.Add(TokenCommand.Create(verbs));
        return root;
    }
}
