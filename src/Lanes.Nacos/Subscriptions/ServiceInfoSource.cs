namespace Lanes.Nacos.Subscriptions;

/// <summary>Where an instance list came from.</summary>
internal enum ServiceInfoSource
{
    Poll,
    Push,
    FailoverCache,
}
