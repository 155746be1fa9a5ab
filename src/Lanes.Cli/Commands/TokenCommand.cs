using System.CommandLine;
using Lanes.AspNetCore.Entry.Trust;
using Lanes.Cli.Cluster;

namespace Lanes.Cli.Commands;

/// <summary>
/// <c>token --lane L --secret S</c>: issues a lane token for a tester outside the entry's trust boundary, signed with a
/// key from the Secret the gateway mounts as its keys directory (<c>Lanes:Entry:Tokens:KeysDirectory</c>: each data key
/// is a key id, its value the key). Prints only the token, for <c>-H "lanes-token: $(kubectl lanes token ...)"</c>.
/// </summary>
internal static class TokenCommand
{
    public static Command Create(VerbRunner verbs)
    {
        var lane = new Option<string>("--lane") { Description = "The lane the token opens (not base).", Required = true };
        var secret = new Option<string>("--secret") { Description = "The Secret holding the signing keys (data key = key id).", Required = true };
        var keyId = new Option<string?>("--key-id") { Description = "The key to sign with (default: the only key, else the last id in order, e.g. the newest of 2026-10, 2026-11)." };
        var ttl = new Option<TimeSpan>("--ttl")
        {
            Description = "How long the token is accepted (e.g. 30m, 8h).",
            DefaultValueFactory = static _ => TimeSpan.FromHours(1),
            CustomParser = static result => Durations.Parse(result),
        };
        var subject = new Option<string?>("--subject") { Description = "Who the token is for (the entry logs it on use)." };
        var command = new Command("token", "Issue a lane token the entry accepts from outside its trust boundary.") { lane, secret, keyId, ttl, subject };
        verbs.SetAction(command, async (parse, api, cancellationToken) =>
        {
            var secretName = parse.GetValue(secret)!;
            var keys = await api.GetSecretDataAsync(secretName, cancellationToken).ConfigureAwait(false);
            if (keys.Count == 0)
            {
                throw new CliException($"error: secret \"{secretName}\" in namespace \"{api.Namespace}\" holds no keys");
            }

            var id = parse.GetValue(keyId) ?? keys.Keys.Order(StringComparer.Ordinal).Last();
            if (!keys.TryGetValue(id, out var key))
            {
                throw new CliException($"error: secret \"{secretName}\" has no key \"{id}\"; it has: {string.Join(", ", keys.Keys.Order(StringComparer.Ordinal))}");
            }

            string token;
            try
            {
                token = LaneToken.Issue(Lane.Parse(parse.GetValue(lane)!), DateTimeOffset.UtcNow + parse.GetValue(ttl), parse.GetValue(subject), id, key);
            }
            catch (ArgumentException e)
            {
                throw new CliException("error: " + e.Message.Split(" (Parameter", 2)[0], inner: e);
            }

            await verbs.Console.Out.WriteLineAsync(token).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
