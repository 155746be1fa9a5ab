using System.CommandLine;

namespace Lanes.Cli.Commands;

/// <summary><c>kubectl lanes rollout &lt;verb&gt;</c>: the verbs of kubectl-kruise's <c>rollout</c>, plus a live status.</summary>
internal static class RolloutCommand
{
    public static Command Create(VerbRunner verbs)
    {
        var rollout = new Command("rollout", "Operate Rollouts (rollouts.kruise.io).");
        rollout.Subcommands.Add(ApproveCommand.Create(verbs));
        rollout.Subcommands.Add(PauseCommand.Create(verbs, pause: true));
        rollout.Subcommands.Add(PauseCommand.Create(verbs, pause: false));
        rollout.Subcommands.Add(RollbackCommand.Create(verbs));
        rollout.Subcommands.Add(StatusCommand.Create(verbs));
        rollout.Subcommands.Add(ListCommand.Create(verbs));
        rollout.Subcommands.Add(HistoryCommand.Create(verbs));
        return rollout;
    }

    /// <summary>The Rollout name argument; <c>rollout/NAME</c> and <c>rollouts/NAME</c> are accepted as kubectl-kruise takes them.</summary>
    public static Argument<string> NameArgument()
    {
        var argument = new Argument<string>("name") { Description = "The Rollout's name (NAME or rollout/NAME)." };
        argument.CustomParser = static result =>
        {
            var value = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            var slash = value.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                var kind = value[..slash];
                if (kind is not ("rollout" or "rollouts" or "rollout.rollouts.kruise.io" or "rollouts.rollouts.kruise.io"))
                {
                    result.AddError($"\"{kind}\" is not a Rollout: give NAME or rollout/NAME");
                }

                value = value[(slash + 1)..];
            }

            if (value.Length == 0)
            {
                result.AddError("a Rollout name is required");
            }

            return value;
        };
        return argument;
    }
}
