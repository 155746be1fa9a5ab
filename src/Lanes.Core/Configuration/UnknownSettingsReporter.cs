using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.Configuration;

/// <summary>
/// Warns about every key under <c>Lanes</c> that no Lanes option reads (<c>Lanes:Routing:PasiveHealth</c>): configuration
/// binding ignores such keys silently, so a typo would otherwise leave a default in force unnoticed. Runs whenever the
/// Lanes options are bound (at start, before any of them is validated, so the warning comes before an error the typo
/// caused; and on reload, for keys not seen before). Keys are checked against the options types themselves, so a new option is known as soon as
/// it exists. It never fails validation.
/// </summary>
internal sealed partial class UnknownSettingsReporter(
    IEnumerable<LanesSettingsSection> sections,
    ILogger<UnknownSettingsReporter> logger,
    IConfiguration? configuration = null) : IValidateOptions<LanesOptions>
{
    private static readonly ConcurrentDictionary<Type, Dictionary<string, PropertyInfo>> s_properties = new();
    private readonly ConcurrentDictionary<string, byte> _warned = new(StringComparer.OrdinalIgnoreCase);

    public ValidateOptionsResult Validate(string? name, LanesOptions options)
    {
        if (configuration is not null)
        {
            foreach (var (key, known) in Find(configuration.GetSection(LanesOptions.SectionName), sections))
            {
                // Once per key: the options are bound more than once at start, and again on reload.
                if (_warned.TryAdd(key, 0))
                {
                    Log.UnknownSetting(logger, key, known);
                }
            }
        }

        return ValidateOptionsResult.Skip;
    }

    /// <summary>The unknown keys under <paramref name="root"/>, each with the names that are known at its level.</summary>
    internal static List<(string Key, string Known)> Find(IConfigurationSection root, IEnumerable<LanesSettingsSection> sections)
    {
        var extra = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        foreach (var section in sections)
        {
            extra.TryAdd(section.Name, section.OptionsType);
        }

        var unknown = new List<(string, string)>();
        Walk(root, typeof(LanesOptions), extra, unknown);
        return unknown;
    }

    private static void Walk(IConfigurationSection section, Type type, Dictionary<string, Type>? extra, List<(string, string)> unknown)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsScalar(type))
        {
            foreach (var child in section.GetChildren())
            {
                unknown.Add((child.Path, $"'{section.Key}' is a single value"));
            }

            return;
        }

        if (ElementOf(type, out var keyed) is { } element)
        {
            foreach (var child in section.GetChildren())
            {
                if (!keyed && !int.TryParse(child.Key, out _))
                {
                    unknown.Add((child.Path, $"'{section.Key}' is a list, numbered from 0"));
                    continue;
                }

                Walk(child, element, extra: null, unknown);
            }

            return;
        }

        var properties = PropertiesOf(type);
        foreach (var child in section.GetChildren())
        {
            if (properties.TryGetValue(child.Key, out var property))
            {
                Walk(child, property.PropertyType, extra: null, unknown);
            }
            else if (extra is not null && extra.TryGetValue(child.Key, out var sectionType))
            {
                Walk(child, sectionType, extra: null, unknown);
            }
            else
            {
                var known = properties.Keys.Concat(extra?.Keys ?? Enumerable.Empty<string>()).Order(StringComparer.Ordinal);
                unknown.Add((child.Path, "known here: " + string.Join(", ", known)));
            }
        }
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
        || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(Uri) || type == typeof(Guid);

    // A dictionary (keyed by anything) or a list (keyed by index), and what each entry binds to.
    private static Type? ElementOf(Type type, out bool keyed)
    {
        keyed = false;
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        foreach (var contract in type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces())
        {
            if (!contract.IsGenericType)
            {
                continue;
            }

            var definition = contract.GetGenericTypeDefinition();
            if (definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
            {
                keyed = true;
                return contract.GetGenericArguments()[1];
            }
        }

        foreach (var contract in type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces())
        {
            if (contract.IsGenericType && contract.GetGenericTypeDefinition() == typeof(IEnumerable<>) && typeof(IEnumerable).IsAssignableFrom(type))
            {
                return contract.GetGenericArguments()[0];
            }
        }

        return null;
    }

    private static Dictionary<string, PropertyInfo> PropertiesOf(Type type) => s_properties.GetOrAdd(type, static t =>
    {
        var properties = new Dictionary<string, PropertyInfo>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0)
            {
                properties.TryAdd(property.Name, property);
            }
        }

        return properties;
    });

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Configuration key '{Key}' is not a Lanes setting and is ignored; check its spelling ({Known}).", EventName = "UnknownSetting")]
        public static partial void UnknownSetting(ILogger logger, string key, string known);
    }
}
