namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// The patch strategies of the built-in types the emulator serves, from their Go struct tags (k8s.io/api core/v1,
/// apps/v1, batch/v1; listed in the API reference as "Patch strategy: merge on key ..."): containers, init and ephemeral
/// containers, volumes, imagePullSecrets and env merge by <c>name</c>, ports by <c>containerPort</c> (a Service's by
/// <c>port</c>), volumeMounts by <c>mountPath</c>, conditions by <c>type</c>, finalizers as a set; every other list
/// (tolerations, args, command...) is replaced.
/// </summary>
internal static class StrategicMergeSchema
{
    private static readonly Dictionary<string, Dictionary<string, PatchField>> Types = new(StringComparer.Ordinal)
    {
        ["Object"] = new(StringComparer.Ordinal) { ["metadata"] = Child("ObjectMeta") },
        ["Pod"] = new(StringComparer.Ordinal) { ["metadata"] = Child("ObjectMeta"), ["spec"] = Child("PodSpec"), ["status"] = Child("PodStatus") },
        ["Workload"] = new(StringComparer.Ordinal) { ["metadata"] = Child("ObjectMeta"), ["spec"] = Child("WorkloadSpec"), ["status"] = Child("WorkloadStatus") },
        ["WorkloadSpec"] = new(StringComparer.Ordinal) { ["template"] = Child("PodTemplateSpec"), ["jobTemplate"] = Child("Workload") },
        ["WorkloadStatus"] = new(StringComparer.Ordinal) { ["conditions"] = MergeOn("type") },
        ["PodTemplateSpec"] = new(StringComparer.Ordinal) { ["metadata"] = Child("ObjectMeta"), ["spec"] = Child("PodSpec") },
        ["PodSpec"] = new(StringComparer.Ordinal)
        {
            ["containers"] = MergeOn("name", "Container"),
            ["initContainers"] = MergeOn("name", "Container"),
            ["ephemeralContainers"] = MergeOn("name", "Container"),
            ["volumes"] = MergeOn("name"),
            ["imagePullSecrets"] = MergeOn("name"),
            ["hostAliases"] = MergeOn("ip"),
            ["topologySpreadConstraints"] = MergeOn("topologyKey"),
            ["schedulingGates"] = MergeOn("name"),
            ["resourceClaims"] = MergeOn("name"),
        },
        ["Container"] = new(StringComparer.Ordinal)
        {
            ["ports"] = MergeOn("containerPort"),
            ["env"] = MergeOn("name"),
            ["volumeMounts"] = MergeOn("mountPath"),
            ["volumeDevices"] = MergeOn("devicePath"),
        },
        ["PodStatus"] = new(StringComparer.Ordinal) { ["conditions"] = MergeOn("type"), ["podIPs"] = MergeOn("ip"), ["hostIPs"] = MergeOn("ip") },
        ["ObjectMeta"] = new(StringComparer.Ordinal) { ["finalizers"] = new PatchField(true, null, null), ["ownerReferences"] = MergeOn("uid") },
        ["Service"] = new(StringComparer.Ordinal) { ["metadata"] = Child("ObjectMeta"), ["spec"] = Child("ServiceSpec") },
        ["ServiceSpec"] = new(StringComparer.Ordinal) { ["ports"] = MergeOn("port") },
    };

    /// <summary>The type of an object of <paramref name="kind"/>.</summary>
    public static string RootType(string? kind) => kind switch
    {
        "Pod" => "Pod",
        "Deployment" or "ReplicaSet" or "StatefulSet" or "DaemonSet" or "ReplicationController" or "Job" or "CronJob" => "Workload",
        "PodTemplate" => "PodTemplateSpec",
        "Service" => "Service",
        _ => "Object",
    };

    public static PatchField Field(string? type, string name) =>
        type is not null && Types.TryGetValue(type, out var fields) && fields.TryGetValue(name, out var field) ? field : PatchField.Plain;

    private static PatchField Child(string type) => new(false, null, type);

    private static PatchField MergeOn(string key, string? itemType = null) => new(true, key, itemType);
}
