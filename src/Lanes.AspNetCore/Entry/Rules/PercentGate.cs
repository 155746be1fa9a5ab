using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Http;

namespace Lanes.AspNetCore.Entry.Rules;

/// <summary>Admits a share of requests: by a stable hash of the user's key when there is one, else at random.</summary>
internal sealed class PercentGate(double percent, string? header, string? cookie, long seed)
{
    private const int Buckets = 10_000;   // 0.01 % resolution
    private readonly int _threshold = (int)Math.Round(percent * (Buckets / 100));

    public double Percent { get; } = percent;

    public bool Admits(HttpRequest request)
    {
        if (_threshold >= Buckets)
        {
            return true;
        }

        if (_threshold <= 0)
        {
            return false;
        }

        string? key = null;
        if (header is not null)
        {
            key = request.Headers[header].ToString();
        }
        else if (cookie is not null)
        {
            key = request.Cookies[cookie];
        }

        return string.IsNullOrEmpty(key)
            ? Random.Shared.Next(Buckets) < _threshold
            : Bucket(key, seed) < _threshold;
    }

    internal static int Bucket(string key, long seed) =>
        (int)(XxHash3.HashToUInt64(MemoryMarshal.AsBytes(key.AsSpan()), seed) % Buckets);

    public override string ToString()
    {
        var share = Percent.ToString(CultureInfo.InvariantCulture) + "%";
        return header is not null ? $"{share} sticky by header {header}" : cookie is not null ? $"{share} sticky by cookie {cookie}" : $"{share} of requests";
    }
}
