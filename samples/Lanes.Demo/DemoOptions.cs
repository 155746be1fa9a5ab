using System.Globalization;

namespace Lanes.Demo;

/// <summary>The demo's command line.</summary>
internal sealed record DemoOptions(bool Once, int GatewayPort, int FirstServicePort, bool Verbose, Uri? Nacos = null, string? RulesDirectory = null)
{
    public static readonly string Usage = $$"""
        Usage: dotnet run --project samples/Lanes.Demo -- [options]
          --once                    print the base and gray answers, exit 0 only if both are right
          --gateway-port <port>     the gateway's port on 127.0.0.1 (default 8080)
          --service-port <port>     first of five consecutive ports for A, Agray, B, C, Cgray (default 18081)
          --verbose                 show the services' own logs
          --discovery <config|nacos>  how services find each other (default config: Lanes:Services)
          --nacos <url>             the Nacos server for --discovery nacos (e.g. http://127.0.0.1:8848)
          --rules-dir <dir>         the gateway also reads entry rules from <dir>: one Kruise TrafficRouting strategy
                                    per *.json or *.yaml file, applied live (created when missing)

        Usage: dotnet run --project samples/Lanes.Demo -- token --lane <lane> [--ttl <minutes>] [--subject <who>]
          issues a lane token the demo's gateway accepts (header lanes-token), signed with the demo key in
          {{DemoKeys.DefaultDirectory}}
        """;

    public static DemoOptions Parse(string[] args)
    {
        var options = new DemoOptions(Once: false, GatewayPort: 8080, FirstServicePort: 18081, Verbose: false);
        string? discovery = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--discovery")
            {
                discovery = ++i < args.Length && args[i] is "config" or "nacos"
                    ? args[i]
                    : throw new ArgumentException($"--discovery takes 'config' or 'nacos'.\n{Usage}");
                continue;
            }

            options = args[i] switch
            {
                "--nacos" => options with { Nacos = NacosUri(args, ++i) },
                "--rules-dir" => options with { RulesDirectory = Directory(args, ++i) },
                "--once" => options with { Once = true },
                "--verbose" => options with { Verbose = true },
                "--gateway-port" => options with { GatewayPort = Port(args, ++i, "--gateway-port") },
                "--service-port" => options with { FirstServicePort = Port(args, ++i, "--service-port", reserve: 4) },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'.\n{Usage}"),
            };
        }

        if (discovery == "nacos" && options.Nacos is null)
        {
            throw new ArgumentException($"--discovery nacos needs --nacos <url>.\n{Usage}");
        }

        return discovery == "nacos" ? options : options with { Nacos = null };
    }

    private static string Directory(string[] args, int index) =>
        index < args.Length && args[index].Length > 0 && !args[index].StartsWith("--", StringComparison.Ordinal)
            ? Path.GetFullPath(args[index])
            : throw new ArgumentException($"--rules-dir needs a directory.\n{Usage}");

    private static Uri NacosUri(string[] args, int index) =>
        index < args.Length && Uri.TryCreate(args[index], UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new ArgumentException($"--nacos needs an http(s) address such as http://127.0.0.1:8848.\n{Usage}");

    private static int Port(string[] args, int index, string option, int reserve = 0)
    {
        if (index >= args.Length || !int.TryParse(args[index], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port < 1 || port + reserve > 65535)
        {
            throw new ArgumentException($"{option} needs a port between 1 and {65535 - reserve}.\n{Usage}");
        }

        return port;
    }
}
