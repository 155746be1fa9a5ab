namespace Lanes.RolloutController.Decisions;

/// <summary>
/// Kubernetes' <c>rand.SafeEncodeString</c> (k8s.io/apimachinery/pkg/util/rand): each character mapped into an alphabet
/// without vowels and look-alikes, so a hash never spells a word. Kruise's revisions and plan hash are written this way.
/// </summary>
internal static class SafeEncoding
{
    private const string Alphanums = "bcdfghjklmnpqrstvwxz2456789";

    public static string Encode(string text) =>
        string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = Alphanums[source[i] % Alphanums.Length];
            }
        });
}
