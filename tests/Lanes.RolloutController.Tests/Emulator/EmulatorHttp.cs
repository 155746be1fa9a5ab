using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Lanes.Kubernetes.Emulator;

namespace Lanes.RolloutController.Tests.Emulator;

/// <summary>Plain HTTP to the emulator, as any client would send it, for tests of the API server's answers.</summary>
internal static class EmulatorHttp
{
    public static HttpClient Client(KubernetesEmulator emulator) => new() { BaseAddress = emulator.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Sends a request, asserts the status code it answers with and returns the body as a JSON object.</summary>
    public static async Task<JsonObject> SendAsync(HttpClient http, HttpMethod method, string path, string? body, HttpStatusCode expected, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text) as JsonObject ?? [];
    }
}
