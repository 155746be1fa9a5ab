namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// A field's strategic merge metadata (the <c>patchStrategy</c> and <c>patchMergeKey</c> struct tags of the built-in
/// types): whether a list merges (by <see cref="MergeKey"/>, or as a set of primitives when null) instead of being
/// replaced, and the type of the field's value (or of the list's items) for the fields below it.
/// </summary>
internal sealed record PatchField(bool Merge, string? MergeKey, string? Type)
{
    public static readonly PatchField Plain = new(false, null, null);
}
