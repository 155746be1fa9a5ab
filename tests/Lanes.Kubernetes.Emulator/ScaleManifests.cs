using System.Globalization;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// The workloads of scale runs (the controller's scale test and its benchmark): many small releases, each a one-replica
/// Deployment <c>app-N</c> (image <c>example/app:v1</c>) under a Rollout <c>rollout-N</c> with one canary step and a pause.
/// </summary>
public static class ScaleManifests
{
    /// <summary>The Deployment and Rollout of release <paramref name="index"/>, as one YAML stream.</summary>
    /// <param name="index">The release's number, in the names of both objects.</param>
    public static string DeploymentWithRollout(int index) => string.Create(CultureInfo.InvariantCulture, $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: app-{{index}}
        spec:
          replicas: 1
          selector:
            matchLabels:
              app: app-{{index}}
          template:
            metadata:
              labels:
                app: app-{{index}}
            spec:
              containers:
              - name: main
                image: example/app:v1
        ---
        apiVersion: rollouts.kruise.io/v1beta1
        kind: Rollout
        metadata:
          name: rollout-{{index}}
        spec:
          workloadRef:
            apiVersion: apps/v1
            kind: Deployment
            name: app-{{index}}
          strategy:
            canary:
              enableExtraWorkloadForCanary: true
              steps:
              - replicas: 1
                pause: {}

        """);
}
