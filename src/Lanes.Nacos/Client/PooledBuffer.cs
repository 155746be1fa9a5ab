using System.Buffers;

namespace Lanes.Nacos.Client;

/// <summary>A response body read into a pooled array, bounded in size; return it with <see cref="Dispose"/>.</summary>
internal sealed class PooledBuffer : IDisposable
{
    private byte[]? _array;

    private PooledBuffer(byte[] array, int length)
    {
        _array = array;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => new(_array ?? throw new ObjectDisposedException(nameof(PooledBuffer)), 0, Length);

    public ReadOnlyMemory<byte> Memory => new(_array ?? throw new ObjectDisposedException(nameof(PooledBuffer)), 0, Length);

    public static PooledBuffer Copy(ReadOnlySpan<byte> bytes)
    {
        var array = ArrayPool<byte>.Shared.Rent(Math.Max(bytes.Length, 1));
        bytes.CopyTo(array);
        return new PooledBuffer(array, bytes.Length);
    }

    /// <summary>Reads <paramref name="stream"/> to its end; more than <paramref name="maxBytes"/> throws <see cref="InvalidDataException"/>.</summary>
    public static async Task<PooledBuffer> ReadAsync(Stream stream, long? expectedLength, int maxBytes, CancellationToken cancellationToken)
    {
        if (expectedLength > maxBytes)
        {
            throw new InvalidDataException($"The answer is {expectedLength} bytes, more than the {maxBytes} allowed.");
        }

        var array = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(expectedLength ?? 16 * 1024, 256, maxBytes) + 1);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == array.Length)
                {
                    if (length > maxBytes)
                    {
                        throw new InvalidDataException($"The answer is more than the {maxBytes} bytes allowed.");
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)array.Length * 2, (long)maxBytes + 1));
                    array.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(array);
                    array = larger;
                }

                var read = await stream.ReadAsync(array.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            if (length > maxBytes)
            {
                throw new InvalidDataException($"The answer is more than the {maxBytes} bytes allowed.");
            }

            var result = new PooledBuffer(array, length);
            array = null!;
            return result;
        }
        finally
        {
            if (array is not null)
            {
                ArrayPool<byte>.Shared.Return(array);
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _array, null) is { } array)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
