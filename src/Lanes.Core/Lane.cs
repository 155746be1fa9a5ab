using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Lanes;

/// <summary>
/// A traffic lane: the tag a request carries end to end (for example <c>gray</c>).
/// The default value is <see cref="Base"/>, the baseline that untagged traffic uses.
/// </summary>
/// <remarks>
/// A lane name is 1 to 63 characters of lowercase letters, digits, <c>-</c>, <c>.</c> and <c>_</c>,
/// so it is safe in a header, a W3C baggage value, a Kubernetes label value and Nacos metadata.
/// The literal <c>base</c> parses to <see cref="Base"/>.
/// </remarks>
public readonly struct Lane : IEquatable<Lane>
{
    /// <summary>The longest lane name accepted (a Kubernetes label value's limit).</summary>
    public const int MaxLength = 63;

    /// <summary>The name that denotes the baseline when written out.</summary>
    public const string BaseName = "base";

    private static readonly SearchValues<char> s_allowed =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-._");

    private readonly string? _name;

    internal Lane(string? name) => _name = name;

    /// <summary>The baseline: no lane.</summary>
    public static Lane Base => default;

    /// <summary>The lane's name, or <see langword="null"/> for <see cref="Base"/>.</summary>
    public string? Name => _name;

    /// <summary>Whether this is the baseline (no lane).</summary>
    public bool IsBase => _name is null;

    /// <summary>Parses a lane name, throwing <see cref="FormatException"/> with the reason when it is not valid.</summary>
    /// <param name="value">The lane name; <c>base</c> gives <see cref="Base"/>.</param>
    public static Lane Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var error = Validate(value);
        if (error != LaneError.None)
        {
            throw new FormatException($"'{Describe(value)}' is not a valid lane: {DescribeError(error)}.");
        }

        return FromValid(value, LaneNames.KnownCapacity);
    }

    /// <summary>Parses a lane name without throwing.</summary>
    /// <param name="value">The lane name; <c>base</c> gives <see cref="Base"/>.</param>
    /// <param name="lane">The lane, or <see cref="Base"/> when <paramref name="value"/> is not valid.</param>
    /// <returns><see langword="true"/> when <paramref name="value"/> is a valid lane name.</returns>
    public static bool TryParse([NotNullWhen(true)] string? value, out Lane lane) =>
        TryParseCore(value, LaneNames.KnownCapacity, out lane);

    /// <summary>Parses a lane name from characters, reusing a cached name so the common case does not allocate.</summary>
    /// <param name="value">The lane name; <c>base</c> gives <see cref="Base"/>.</param>
    /// <param name="lane">The lane, or <see cref="Base"/> when <paramref name="value"/> is not valid.</param>
    /// <returns><see langword="true"/> when <paramref name="value"/> is a valid lane name.</returns>
    public static bool TryParse(ReadOnlySpan<char> value, out Lane lane) =>
        TryParseCore(value, LaneNames.KnownCapacity, out lane);

    // A lane name read from a request: the same checks, but it takes a place in the name table only while few are
    // taken, so whoever sends headers cannot crowd out the lanes the process knows from configuration and discovery.
    internal static bool TryParseFromRequest(string value, out Lane lane) =>
        TryParseCore(value, LaneNames.RequestCapacity, out lane);

    /// <inheritdoc cref="TryParseFromRequest(string, out Lane)"/>
    internal static bool TryParseFromRequest(ReadOnlySpan<char> value, out Lane lane) =>
        TryParseCore(value, LaneNames.RequestCapacity, out lane);

    /// <summary>Checks a lane name and says what is wrong with it.</summary>
    /// <param name="value">The candidate lane name.</param>
    /// <returns><see cref="LaneError.None"/> when the name is valid.</returns>
    public static LaneError Validate(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return LaneError.Empty;
        }

        if (value.Length > MaxLength)
        {
            return LaneError.TooLong;
        }

        return value.ContainsAnyExcept(s_allowed) ? LaneError.InvalidCharacter : LaneError.None;
    }

    /// <summary>A human-readable reason for a <see cref="LaneError"/>, for error messages.</summary>
    /// <param name="error">The error to describe.</param>
    public static string DescribeError(LaneError error) => error switch
    {
        LaneError.None => "it is valid",
        LaneError.Empty => "it is empty",
        LaneError.TooLong => $"it is longer than {MaxLength} characters",
        _ => "only lowercase letters, digits, '-', '.' and '_' are allowed",
    };

    /// <inheritdoc />
    public bool Equals(Lane other) => string.Equals(_name, other._name, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Lane other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _name is null ? 0 : StringComparer.Ordinal.GetHashCode(_name);

    /// <summary>The lane's name, or <c>base</c>.</summary>
    public override string ToString() => _name ?? BaseName;

    /// <summary>Compares two lanes by name.</summary>
    public static bool operator ==(Lane left, Lane right) => left.Equals(right);

    /// <summary>Compares two lanes by name.</summary>
    public static bool operator !=(Lane left, Lane right) => !left.Equals(right);

    private static bool TryParseCore([NotNullWhen(true)] string? value, int capacity, out Lane lane)
    {
        if (value is null || Validate(value) != LaneError.None)
        {
            lane = Base;
            return false;
        }

        lane = FromValid(value, capacity);
        return true;
    }

    private static bool TryParseCore(ReadOnlySpan<char> value, int capacity, out Lane lane)
    {
        if (Validate(value) != LaneError.None)
        {
            lane = Base;
            return false;
        }

        lane = value.SequenceEqual(BaseName) ? Base : new Lane(LaneNames.Intern(value, capacity));
        return true;
    }

    // Interned, so lanes parsed anywhere in the process (a request's header, an instance's metadata) share one name
    // instance and the hot paths that key by lane find it by reference.
    private static Lane FromValid(string value, int capacity) =>
        string.Equals(value, BaseName, StringComparison.Ordinal) ? Base : new Lane(LaneNames.Intern(value, capacity));

    // Error messages quote the input; keep them short and printable whatever was sent.
    private static string Describe(string value)
    {
        var shown = value.Length > 80 ? string.Concat(value.AsSpan(0, 80), "...") : value;
        return shown.ReplaceLineEndings("\\n");
    }

    /// <summary>
    /// A bounded table of lane names: parsing a lane out of a larger header (baggage) allocates no string per request,
    /// and every parse of one name gives the same instance, compared by reference first where a lane is a key. Past the
    /// bound, names are kept as they came and compared by value. Names from requests (chosen by whoever sends headers)
    /// stop being added early, so they cannot take the places of the lanes the process learns from its configuration
    /// and its instances.
    /// </summary>
    private static class LaneNames
    {
        public const int RequestCapacity = 256;
        public const int KnownCapacity = 4096;
        private static readonly ConcurrentDictionary<string, string> s_names = new(StringComparer.Ordinal);
        private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> s_lookup =
            s_names.GetAlternateLookup<ReadOnlySpan<char>>();

        public static string Intern(string value, int capacity)
        {
            if (s_names.TryGetValue(value, out var name))
            {
                return name;
            }

            return s_names.Count < capacity ? s_names.GetOrAdd(value, value) : value;
        }

        public static string Intern(ReadOnlySpan<char> value, int capacity)
        {
            if (s_lookup.TryGetValue(value, out var name))
            {
                return name;
            }

            name = value.ToString();
            return s_names.Count < capacity ? s_names.GetOrAdd(name, name) : name;
        }
    }
}
