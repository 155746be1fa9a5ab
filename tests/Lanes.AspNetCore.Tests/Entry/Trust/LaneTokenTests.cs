using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Lanes.AspNetCore.Entry;
using Lanes.AspNetCore.Entry.Trust;

namespace Lanes.AspNetCore.Tests.Entry.Trust;

public class LaneTokenTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private static readonly LaneTokenKeys Keys = Load(("k1", Key));
    private static readonly long Now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    [Fact]
    public void IssuedToken_VerifiesToItsLane_UntilItExpires()
    {
        var token = LaneToken.Issue(Lane.Parse("gray"), DateTimeOffset.FromUnixTimeSeconds(Now + 60), "alice@example.com", "k1", Key);

        Assert.Equal(TokenVerdict.Valid, LaneToken.Verify(token, Keys, Now, out var lane));
        Assert.Equal("gray", lane.Name);
        Assert.Equal(TokenVerdict.Expired, LaneToken.Verify(token, Keys, Now + 60, out lane));
        Assert.True(lane.IsBase);
    }

    [Fact]
    public void AnyChangedCharacter_IsForgedOrMalformed()
    {
        var token = LaneToken.Issue(Lane.Parse("gray"), DateTimeOffset.FromUnixTimeSeconds(Now + 60), null, "k1", Key);
        for (var i = 0; i < token.Length; i++)
        {
            var changed = token.ToCharArray();
            changed[i] = changed[i] == 'A' ? 'B' : 'A';

            Assert.NotEqual(TokenVerdict.Valid, LaneToken.Verify(new string(changed), Keys, Now, out _));
        }
    }

    [Fact]
    public void OtherKeyOrUnknownKeyId_IsRejected()
    {
        var other = LaneToken.Issue(Lane.Parse("gray"), DateTimeOffset.FromUnixTimeSeconds(Now + 60), null, "k1", RandomNumberGenerator.GetBytes(32));
        var unknown = LaneToken.Issue(Lane.Parse("gray"), DateTimeOffset.FromUnixTimeSeconds(Now + 60), null, "k2", Key);

        Assert.Equal(TokenVerdict.Forged, LaneToken.Verify(other, Keys, Now, out _));
        Assert.Equal(TokenVerdict.UnknownKey, LaneToken.Verify(unknown, Keys, Now, out _));
    }

    [Theory]
    [InlineData("short")]
    [InlineData("bad id")]
    public void Issue_RefusesWeakKeysAndBadIds(string keyId)
    {
        var key = keyId == "short" ? new byte[16] : Key;
        Assert.Throws<ArgumentException>(() => LaneToken.Issue(Lane.Parse("gray"), DateTimeOffset.UtcNow.AddMinutes(1), null, keyId == "short" ? "k1" : keyId, key));
        Assert.Throws<ArgumentException>(() => LaneToken.Issue(Lane.Base, DateTimeOffset.UtcNow.AddMinutes(1), null, "k1", Key));
    }

    [Property(MaxTest = 1000)]
    public Property ArbitraryInput_NeverThrows_AndIsNeverValid(NonNull<string> input)
    {
        var verdict = LaneToken.Verify(input.Get, Keys, Now, out var lane);
        return (verdict != TokenVerdict.Valid && lane.IsBase).ToProperty();
    }

    [Property(MaxTest = 300)]
    public Property ArbitraryPayloadSignedWithTheKey_NeverThrows(NonNull<string> payload)
    {
        // Even a correctly signed token with a payload we never issue must not crash or open a lane it does not name.
        var body = $"k1.{System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(payload.Get))}";
        var token = $"{body}.{System.Buffers.Text.Base64Url.EncodeToString(HMACSHA256.HashData(Key, System.Text.Encoding.ASCII.GetBytes(body)))}";
        var verdict = LaneToken.Verify(token, Keys, Now, out var lane);
        return (verdict == TokenVerdict.Valid ? payload.Get.StartsWith(lane.Name + "\n", StringComparison.Ordinal) : lane.IsBase).ToProperty();
    }

    [Fact]
    public void Keys_FromConfigurationAndADirectory_BadOnesNamed()
    {
        var directory = Directory.CreateTempSubdirectory("lanes-keys-");
        try
        {
            File.WriteAllBytes(Path.Combine(directory.FullName, "mounted"), [.. Key, (byte)'\n']);
            File.WriteAllBytes(Path.Combine(directory.FullName, "weak"), new byte[8]);
            var options = new LaneTokenOptions { KeysDirectory = directory.FullName };
            options.Keys["cfg"] = Convert.ToBase64String(Key);
            options.Keys["bad"] = "not base64!";
            var errors = new List<string>();
            var warnings = new List<string>();

            var keys = LaneTokenKeys.Load(options, errors, warnings);

            Assert.Equal(["cfg", "mounted"], keys.Ids.Order());
            Assert.Contains(errors, e => e.StartsWith("Lanes:Entry:Tokens:Keys:bad", StringComparison.Ordinal));
            Assert.Contains(warnings, w => w.Contains("weak", StringComparison.Ordinal));
            var token = LaneToken.Issue(Lane.Parse("gray"), DateTimeOffset.FromUnixTimeSeconds(Now + 60), null, "mounted", Key);
            Assert.Equal(TokenVerdict.Valid, LaneToken.Verify(token, keys, Now, out _));   // the trailing newline is not part of the key
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static LaneTokenKeys Load(params (string Id, byte[] Key)[] keys)
    {
        var options = new LaneTokenOptions();
        foreach (var (id, key) in keys)
        {
            options.Keys[id] = Convert.ToBase64String(key);
        }

        return LaneTokenKeys.Load(options, [], []);
    }
}
