namespace Lanes.Cli.Cluster;

/// <summary>The kubeconfig flags every command takes, named and resolved as kubectl does.</summary>
/// <param name="Kubeconfig"><c>--kubeconfig</c>; else <c>$KUBECONFIG</c> (a path list, merged); else <c>~/.kube/config</c>.</param>
/// <param name="Context"><c>--context</c>; else the kubeconfig's current-context.</param>
/// <param name="Namespace"><c>-n/--namespace</c>; else the context's namespace; else <c>default</c>.</param>
internal sealed record ClusterTarget(string? Kubeconfig, string? Context, string? Namespace);
