using System.Threading.Channels;
using Lanes.Background;

namespace Lanes;

/// <summary>Channel helpers that carry the producer's lane to the consumer.</summary>
public static class LaneChannelExtensions
{
    /// <summary>Writes <paramref name="item"/> together with the ambient lane.</summary>
    /// <typeparam name="T">The work item type.</typeparam>
    /// <param name="writer">The channel writer.</param>
    /// <param name="item">The work item.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public static ValueTask WriteInLaneAsync<T>(this ChannelWriter<InLane<T>> writer, T item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return writer.WriteAsync(InLane<T>.Capture(item), cancellationToken);
    }

    /// <summary>Writes <paramref name="item"/> together with the ambient lane, if the channel has room.</summary>
    /// <typeparam name="T">The work item type.</typeparam>
    /// <param name="writer">The channel writer.</param>
    /// <param name="item">The work item.</param>
    public static bool TryWriteInLane<T>(this ChannelWriter<InLane<T>> writer, T item)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return writer.TryWrite(InLane<T>.Capture(item));
    }
}
