namespace Lanes.RolloutController.Webhooks;

/// <summary>Where the webhooks' serving certificate comes from.</summary>
internal enum WebhookCertificateMode
{
    None,
    InMemory,
    Files,
    Secret,
}
