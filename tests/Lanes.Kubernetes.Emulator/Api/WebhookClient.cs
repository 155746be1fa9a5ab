using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// How the API server calls a webhook's <c>clientConfig</c> (admission and CRD conversion alike): HTTPS POST of a JSON
/// review to <c>url</c>, the server certificate verified against <c>caBundle</c> only (the system roots when it is
/// empty), host name included; never without verification
/// (https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#contacting-the-webhook).
/// <c>clientConfig.service</c> cannot be called: the emulator has no Service network.
/// </summary>
internal static class WebhookClient
{
    /// <summary>Posts <paramref name="review"/> and returns the parsed answer; throws <see cref="InvalidOperationException"/> with the reason otherwise.</summary>
    public static async Task<JsonObject> PostAsync(JsonObject clientConfig, string query, JsonObject review, TimeSpan timeout, ResourceStore store, CancellationToken cancellationToken)
    {
        var url = clientConfig["url"]?.GetValue<string>() ?? throw new InvalidOperationException(ServiceUnreachable(clientConfig, store));
        var caBundle = clientConfig["caBundle"]?.GetValue<string>();
        using var handler = new SocketsHttpHandler();
        if (!string.IsNullOrEmpty(caBundle))
        {
            var trust = new X509Certificate2Collection();
            trust.ImportFromPem(Encoding.UTF8.GetString(Convert.FromBase64String(caBundle)));
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(trust);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                using var leaf = new X509Certificate2(certificate);
                return chain.Build(leaf);
            };
        }

        var target = query.Length == 0 ? url : url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query;
        using var client = new HttpClient(handler) { Timeout = timeout };
        using var content = new StringContent(review.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        try
        {
            using var reply = await client.PostAsync(new Uri(target), content, cancellationToken).ConfigureAwait(false);
            var body = await reply.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!reply.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"the server responded with {(int)reply.StatusCode}: {body}");
            }

            return JsonNode.Parse(body) as JsonObject ?? throw new InvalidOperationException("the response is not a JSON object");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // Go's client error, as the API server quotes it.
            throw new InvalidOperationException($"Post \"{target}\": {Innermost(e).Message}", e);
        }
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    private static string ServiceUnreachable(JsonObject clientConfig, ResourceStore store)
    {
        var service = clientConfig["service"] as JsonObject;
        var ns = service?["namespace"]?.GetValue<string>() ?? "";
        var name = service?["name"]?.GetValue<string>() ?? "";
        if (service is null)
        {
            return "the webhook's clientConfig has neither url nor service";
        }

        return store.Get(new StoredObjectKey(ResourceType.Services, ns, name)) is null
            ? $"service \"{name}\" not found"
            : $"no endpoints available for service \"{name}\" (the emulator has no Service network: use clientConfig.url)";
    }
}
