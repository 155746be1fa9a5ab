namespace Lanes.Nacos.Client;

/// <summary>The server's answer to a heartbeat: whether it knows the instance, and when to beat next.</summary>
internal readonly record struct NacosBeatResult(int Code, TimeSpan? ClientBeatInterval)
{
    /// <summary>The code the server answers when it does not know the instance (RESOURCE_NOT_FOUND).</summary>
    public const int ResourceNotFound = 20404;

    public bool InstanceNotFound => Code == ResourceNotFound;
}
