using System.Globalization;
using Lanes.AspNetCore.Entry.Trust;

namespace Lanes.Demo;

/// <summary>
/// <c>token --lane gray [--ttl 60] [--subject alice]</c>: prints a lane token the demo gateway accepts, for a tester to
/// send as <c>lanes-token: &lt;token&gt;</c>. The CLI will adopt this command.
/// </summary>
internal static class TokenCommand
{
    public static int Run(string[] args)
    {
        string? laneName = null;
        string? subject = null;
        var ttl = TimeSpan.FromHours(1);
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--lane" when i + 1 < args.Length:
                    laneName = args[++i];
                    break;
                case "--subject" when i + 1 < args.Length:
                    subject = args[++i];
                    break;
                case "--ttl" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) && minutes is > 0 and <= 10_080:
                    ttl = TimeSpan.FromMinutes(minutes);
                    i++;
                    break;
                default:
                    Console.Error.WriteLine($"Unknown or incomplete token option '{args[i]}'.\n{DemoOptions.Usage}");
                    return 2;
            }
        }

        if (!Lane.TryParse(laneName, out var lane) || lane.IsBase)
        {
            Console.Error.WriteLine($"--lane needs a lane name such as gray.\n{DemoOptions.Usage}");
            return 2;
        }

        try
        {
            Console.WriteLine(LaneToken.Issue(lane, DateTimeOffset.UtcNow + ttl, subject, DemoKeys.KeyId, DemoKeys.Read()));
            return 0;
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }
    }
}
