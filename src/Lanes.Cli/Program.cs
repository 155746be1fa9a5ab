using Lanes.Cli;

// kubectl runs this for `kubectl lanes ...` (any executable named kubectl-lanes on PATH is a plugin).
return await KubectlLanes.RunAsync(args, CliConsole.FromProcess()).ConfigureAwait(false);
