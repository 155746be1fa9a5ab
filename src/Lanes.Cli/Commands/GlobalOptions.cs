using System.CommandLine;
using Lanes.Cli.Cluster;
using Lanes.Cli.Rendering;

namespace Lanes.Cli.Commands;

/// <summary>kubectl's connection flags, accepted anywhere on the command line, and <c>-o</c> for the read verbs.</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Kubeconfig { get; } = new("--kubeconfig") { Description = "Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config).", Recursive = true };

    public Option<string?> Context { get; } = new("--context") { Description = "The name of the kubeconfig context to use.", Recursive = true };

    public Option<string?> Namespace { get; } = new("--namespace", "-n") { Description = "The namespace (default: the context's, then 'default').", Recursive = true };

    public void AddTo(Command root)
    {
        root.Options.Add(Kubeconfig);
        root.Options.Add(Context);
        root.Options.Add(Namespace);
    }

    public ClusterTarget Target(ParseResult parse) => new(parse.GetValue(Kubeconfig), parse.GetValue(Context), parse.GetValue(Namespace));

    public static Option<OutputFormat> Output()
    {
        var option = new Option<OutputFormat>("--output", "-o")
        {
            Description = "Output format: json or yaml (default: text).",
            HelpName = "json|yaml",
            CustomParser = static result => result.Tokens.Count == 0 ? OutputFormat.Text : result.Tokens[0].Value switch
            {
                "json" => OutputFormat.Json,
                "yaml" => OutputFormat.Yaml,
                var other => Fail(result, other),
            },
        };
        return option;

        static OutputFormat Fail(System.CommandLine.Parsing.ArgumentResult result, string value)
        {
            result.AddError($"unable to match a printer suitable for the output format \"{value}\", allowed formats are: json,yaml");
            return OutputFormat.Text;
        }
    }
}
