using System.Globalization;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// Pod IPs on loopback, each pod its own address as on a real pod network, so processes standing in for pods can all
/// listen on the same port. Every emulator takes a /16 of its own inside 127.0.0.0/8 (127.B.x.y, B picked at random
/// from 1 to 254), so emulators running at the same time on one machine (test runs of other checkouts included) do
/// not hand out the same pod address. Addresses of deleted pods are reused only after the whole block went round.
/// </summary>
internal sealed class PodAddresses
{
    private readonly HashSet<string> _inUse = new(StringComparer.Ordinal);
    private readonly int _block = Random.Shared.Next(1, 255);
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

                var address = string.Create(CultureInfo.InvariantCulture, $"127.{_block}.{candidate >> 8}.{low}");
                if (_inUse.Add(address))
                {
                    return address;
                }
            }

            throw new InvalidOperationException($"The emulator's pod address block (127.{_block}.0.0/16) is exhausted.");
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
