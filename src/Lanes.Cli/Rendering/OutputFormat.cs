namespace Lanes.Cli.Rendering;

/// <summary><c>-o</c>: human text (the default), or the objects as JSON or YAML for scripts.</summary>
internal enum OutputFormat
{
    Text,
    Json,
    Yaml,
}
