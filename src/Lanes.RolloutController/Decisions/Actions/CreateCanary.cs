namespace Lanes.RolloutController.Decisions.Actions;

/// <summary>Creates the canary Deployment for a revision unless one exists.</summary>
internal sealed record CreateCanary(string Deployment, string Revision, int Replicas, Lanes.RolloutController.Api.PatchPodTemplateMetadata? Patch) : RolloutAction;
