namespace Lanes.Nacos.Client;

/// <summary>A Nacos request failed on every server it was tried on, or a server refused it.</summary>
internal class NacosException : Exception
{
    public NacosException()
    {
    }

    public NacosException(string message)
        : base(message)
    {
    }

    public NacosException(string message, Exception? inner)
        : base(message, inner)
    {
    }

    public NacosException(string message, bool transient)
        : base(message) => Transient = transient;

    public NacosException(string message, Exception? inner, bool transient)
        : base(message, inner) => Transient = transient;

    /// <summary>Whether another server, or the same one later, may well answer (5xx, timeouts, refused connections).</summary>
    public bool Transient { get; }
}
