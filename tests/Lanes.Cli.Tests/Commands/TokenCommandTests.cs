using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Models;
using Lanes.Cli.Tests.TestSupport;

namespace Lanes.Cli.Tests.Commands;

public sealed class TokenCommandTests
{
    [Fact]
    public async Task Token_IsSignedWithTheNewestKeyOfTheGatewaysSecret_InTheEntrysFormat()
    {
        await using var run = await CliCluster.StartAsync(controller: false);
        var older = RandomNumberGenerator.GetBytes(32);
        var newer = RandomNumberGenerator.GetBytes(32);
        await run.Cluster.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "lane-token-keys" }, Data = new Dictionary<string, byte[]> { ["2026-10"] = older, ["2026-11"] = newer } }, "default");

        var before = DateTimeOffset.UtcNow;
        var result = await run.RunAsync("token", "--lane", "gray", "--secret", "lane-token-keys", "--ttl", "30m", "--subject", "xiaoming");

        Assert.True(result.ExitCode == 0, result.ToString());
        var parts = result.Output.TrimEnd().Split('.');
        Assert.Equal(3, parts.Length);
        Assert.Equal("2026-11", parts[0]);
        var fields = Encoding.UTF8.GetString(Base64Url(parts[1])).Split('\n');
        Assert.Equal("gray", fields[0]);
        var expires = DateTimeOffset.FromUnixTimeSeconds(long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(expires, before.AddMinutes(30).AddSeconds(-1), DateTimeOffset.UtcNow.AddMinutes(30).AddSeconds(1));
        Assert.Equal("xiaoming", fields[2]);
        Assert.Equal(HMACSHA256.HashData(newer, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1])), Base64Url(parts[2]));

        var chosen = await run.RunAsync("token", "--lane", "gray", "--secret", "lane-token-keys", "--key-id", "2026-10");
        Assert.StartsWith("2026-10.", chosen.Output, StringComparison.Ordinal);

        Assert.Equal("error: secret \"lane-token-keys\" has no key \"2025-01\"; it has: 2026-10, 2026-11", (await run.RunAsync("token", "--lane", "gray", "--secret", "lane-token-keys", "--key-id", "2025-01")).ErrorLine);
        Assert.Equal("error: A lane token opens a lane; base needs no token.", (await run.RunAsync("token", "--lane", "base", "--secret", "lane-token-keys")).ErrorLine);
        var missing = await run.RunAsync("token", "--lane", "gray", "--secret", "nope");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("Error from server (NotFound): secrets \"nope\" not found in namespace \"default\"", missing.ErrorLine);
    }

    private static byte[] Base64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '='));
    }
}
