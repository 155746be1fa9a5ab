using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Lanes.Discovery;

/// <summary>One instance of a service in the embedded discovery (<c>Lanes:Services:&lt;service&gt;:&lt;n&gt;</c>).</summary>
public sealed class ConfiguredInstanceOptions
{
    /// <summary>The instance's absolute http or https base address, for example <c>http://127.0.0.1:5001</c>.</summary>
    public string? Url { get; set; }

    /// <summary>The instance's lane; empty or <c>base</c> for the baseline.</summary>
    public string? Lane { get; set; }

    /// <summary>Relative share of traffic, 0 to 10000; 0 receives none.</summary>
    /// <value>The default value is 1.</value>
    public double Weight { get; set; } = 1;

    /// <summary>Whether the instance may receive traffic.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Healthy { get; set; } = true;

    /// <summary>
    /// Finds instance values that cannot be converted. Configuration binding drops a list entry whose value
    /// fails to convert without a word; this names the key instead, so startup can stop on it.
    /// </summary>
    internal static void CheckBinding(IConfigurationSection services, List<string> errors)
    {
        foreach (var service in services.GetChildren())
        {
            foreach (var instance in service.GetChildren())
            {
                var weight = instance.GetSection(nameof(Weight));
                if (weight.Value is { } text && !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                {
                    errors.Add($"{weight.Path}: '{text}' is not a number.");
                }

                var healthy = instance.GetSection(nameof(Healthy));
                if (healthy.Value is { } flag && !bool.TryParse(flag, out _))
                {
                    errors.Add($"{healthy.Path}: '{flag}' is not true or false.");
                }
            }
        }
    }
}
