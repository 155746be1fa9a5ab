using System.Collections.Frozen;
using Lanes.AspNetCore.Entry.Files;

namespace Lanes.AspNetCore.Entry.Trust;

/// <summary>The keys lane tokens may be signed with, by key id.</summary>
internal sealed class LaneTokenKeys
{
    private readonly FrozenDictionary<string, byte[]> _keys;
    private readonly FrozenDictionary<string, byte[]>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private LaneTokenKeys(FrozenDictionary<string, byte[]> keys)
    {
        _keys = keys;
        _lookup = keys.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public static LaneTokenKeys None { get; } = new(FrozenDictionary<string, byte[]>.Empty);

    public int Count => _keys.Count;

    public IEnumerable<string> Ids => _keys.Keys;

    public bool TryGet(ReadOnlySpan<char> keyId, out byte[] key) => _lookup.TryGetValue(keyId, out key!);

    /// <summary>Keys from configuration (base64) and from a mounted secret directory (file name = id, bytes = key).</summary>
    public static LaneTokenKeys Load(LaneTokenOptions options, List<string> errors, List<string> warnings)
    {
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (id, secret) in options.Keys)
        {
            var key = $"{LaneEntryOptions.SectionName}:Tokens:Keys:{id}";
            if (!LaneToken.IsKeyId(id))
            {
                errors.Add($"{key}: '{id}' is not a key id; use 1 to 64 letters, digits, '-' or '_'.");
                continue;
            }

            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(secret ?? string.Empty);
            }
            catch (FormatException)
            {
                errors.Add($"{key}: is not base64; generate one with 'openssl rand -base64 32'.");
                continue;
            }

            if (bytes.Length < LaneToken.MinKeyBytes)
            {
                errors.Add($"{key}: is {bytes.Length} bytes; a lane token key needs at least {LaneToken.MinKeyBytes}.");
                continue;
            }

            keys[id] = bytes;
        }

        if (!string.IsNullOrWhiteSpace(options.KeysDirectory))
        {
            RulesDirectorySnapshot snapshot;
            try
            {
                snapshot = RulesDirectorySnapshot.Read(options.KeysDirectory);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                warnings.Add($"{options.KeysDirectory}: could not be read: {ex.Message}");
                return new LaneTokenKeys(keys.ToFrozenDictionary(StringComparer.Ordinal));
            }

            foreach (var (name, content) in snapshot.Files)
            {
                // A key file written with echo ends in a newline that is not part of the key.
                var bytes = content.AsSpan();
                if (bytes.EndsWith("\n"u8))
                {
                    bytes = bytes[..^1];
                    if (bytes.EndsWith("\r"u8))
                    {
                        bytes = bytes[..^1];
                    }
                }

                if (!LaneToken.IsKeyId(name))
                {
                    warnings.Add($"{options.KeysDirectory}/{name}: the file name is the key id and must be 1 to 64 letters, digits, '-' or '_'; ignored.");
                }
                else if (bytes.Length < LaneToken.MinKeyBytes)
                {
                    warnings.Add($"{options.KeysDirectory}/{name}: holds {bytes.Length} bytes; a lane token key needs at least {LaneToken.MinKeyBytes}; ignored.");
                }
                else
                {
                    keys[name] = bytes.ToArray();
                }
            }
        }

        return new LaneTokenKeys(keys.ToFrozenDictionary(StringComparer.Ordinal));
    }
}
