using System.Globalization;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// Pod IPs on loopback: 127.0.0.2, 127.0.0.3, ... then 127.0.1.1 and on, each pod its own address as on a real pod
/// network, so processes standing in for pods can all listen on the same port. Addresses of deleted pods are reused
/// only after the whole range went round.
/// </summary>
internal sealed class PodAddresses
{
    private readonly HashSet<string> _inUse = new(StringComparer.Ordinal);
    private int _next = 2;

    public string Allocate()
    {
        lock (_inUse)
        {
            for (var attempts = 0; attempts < 65536; attempts++)
            {
                var candidate = _next;
                _next = _next >= 0xFFFE ? 2 : _next + 1;
                var low = candidate & 0xFF;
                if (low is 0 or 255)
                {
                    continue;
                }

                var address = string.Create(CultureInfo.InvariantCulture, $"127.0.{candidate >> 8}.{low}");
                if (_inUse.Add(address))
                {
                    return address;
                }
            }

            throw new InvalidOperationException("The emulator's pod address range (127.0.0.0/16) is exhausted.");
        }
    }

    public void Release(string address)
    {
        lock (_inUse)
        {
            _inUse.Remove(address);
        }
    }
}
