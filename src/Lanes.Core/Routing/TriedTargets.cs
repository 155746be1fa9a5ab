using System.Runtime.CompilerServices;

namespace Lanes.Routing;

/// <summary>
/// The instances a request has already been sent to (the latest <see cref="Capacity"/>), so another attempt picks
/// elsewhere. Avoiding an instance that answered is a preference (better it than leaving the lane); an instance that
/// could not be reached at all is avoided strictly.
/// </summary>
internal struct TriedTargets
{
    public const int Capacity = 4;

    private Addresses _addresses;
    private int _count;
    private int _unreachable;   // bit i: _addresses[i] could not be reached

    public readonly bool IsEmpty => _count == 0;

    public readonly int Count => _count;

    /// <summary>Whether <paramref name="target"/> was tried (answered or not).</summary>
    public readonly bool Contains(RouteTarget target) => IndexOf(target.Address) >= 0;

    /// <summary>Whether <paramref name="target"/> could not be reached by this request.</summary>
    public readonly bool IsUnreachable(RouteTarget target) => IndexOf(target.Address) is var i and >= 0 && (_unreachable & (1 << i)) != 0;

    /// <summary>Remembers an attempt; the oldest is forgotten past <see cref="Capacity"/>.</summary>
    public void Add(string address, bool unreachable)
    {
        var i = IndexOf(address);
        if (i < 0)
        {
            if (_count == Capacity)
            {
                for (var j = 1; j < Capacity; j++)
                {
                    _addresses[j - 1] = _addresses[j];
                }

                _unreachable >>= 1;
                _count--;
            }

            i = _count++;
            _addresses[i] = address;
        }

        if (unreachable)
        {
            _unreachable |= 1 << i;
        }
    }

    /// <summary>Adds every attempt of <paramref name="other"/>.</summary>
    public void Add(in TriedTargets other)
    {
        for (var i = 0; i < other._count; i++)
        {
            Add(other._addresses[i]!, (other._unreachable & (1 << i)) != 0);
        }
    }

    private readonly int IndexOf(string address)
    {
        for (var i = 0; i < _count; i++)
        {
            if (string.Equals(_addresses[i], address, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    [InlineArray(Capacity)]
    private struct Addresses
    {
        private string? _element;
    }
}
