namespace Lanes.Kubernetes.Cluster;

/// <summary>The lanes of the pods a namespace's endpoints point at.</summary>
internal interface IPodLanes
{
    /// <summary>
    /// The lane of the pod behind <paramref name="endpoint"/>: base for an endpoint that is not a pod; null while the
    /// pod is not known (yet) or is another pod of the same name, and for a pod whose lane label is invalid.
    /// </summary>
    Lane? LaneOf(in SliceEndpoint endpoint);
}
