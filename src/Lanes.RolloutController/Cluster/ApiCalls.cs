using System.Net;
using System.Text.Json;
using k8s.Autorest;

namespace Lanes.RolloutController.Cluster;

/// <summary>Small helpers around KubernetesClient calls: 404 as null, and the API server's own error message.</summary>
internal static class ApiCalls
{
    public static async Task<T?> GetOrNullAsync<T>(Func<Task<T>> read)
        where T : class
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Runs a delete; true when it deleted something, false when the object was already gone.</summary>
    public static async Task<bool> DeleteAsync(Func<Task> delete)
    {
        try
        {
            await delete().ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>The <c>message</c> of the Status the API server answered with, else the HTTP reason.</summary>
    public static string Describe(HttpOperationException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var content = e.Response?.Content;
        if (!string.IsNullOrEmpty(content))
        {
            try
            {
                using var document = JsonDocument.Parse(content);
                if (document.RootElement.ValueKind == JsonValueKind.Object &&
                    document.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                {
                    return message.GetString()!;
                }
            }
            catch (JsonException)
            {
                // Not a Status object; fall back to the status line.
            }
        }

        return $"{(int?)e.Response?.StatusCode} {e.Response?.ReasonPhrase ?? e.Message}";
    }
}
