using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Tests.TestSupport;
using Lanes.RolloutController.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lanes.RolloutController.Tests.Emulator;

/// <summary>
/// The emulator calls a CRD's conversion webhook as the API server does
/// (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definition-versioning/#webhook-conversion,
/// "Webhook request and response"): objects are stored in the storage version and converted whenever a request names
/// another one, one <c>apiextensions.k8s.io/v1 ConversionReview</c> per call, over HTTPS verified against the
/// <c>caBundle</c>; a failed or invalid conversion is a 500 naming the conversion webhook. The webhook here is a
/// stand-in converting <c>Widget</c> v1 <c>spec.size</c> ⇄ v2 (storage) <c>spec.dimensions.size</c>, as the page's
/// CronTab example renames a field between versions.
/// </summary>
public sealed class ConversionWebhookCallTests
{
    private const string Group = "example.com";
    private const string Ns = "default";

    [Fact]
    public async Task Create_InANonStorageVersion_IsConvertedAndStoredInTheStorageVersion()
    {
        await using var fixture = await Fixture.StartAsync();
        var created = await fixture.Client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(Widget("v1", "w", new JsonObject { ["size"] = 3 }), Group, "v1", Ns, "widgets");

        // "the API server stores objects in the storage version": here v2, converted by the webhook.
        var stored = fixture.Stored("w");
        Assert.Equal("example.com/v2", stored["apiVersion"]!.GetValue<string>());
        Assert.Equal(3, stored["spec"]!["dimensions"]!["size"]!.GetValue<int>());
        Assert.Null(stored["spec"]!["size"]);

        // The answer is in the version of the request, converted back.
        Assert.Equal("example.com/v1", created["apiVersion"]!.GetValue<string>());
        Assert.Equal(3, created["spec"]!["size"]!.GetValue<int>());

        var toStorage = fixture.Reviews.First();
        Assert.Equal("apiextensions.k8s.io/v1", toStorage["apiVersion"]!.GetValue<string>());
        Assert.Equal("ConversionReview", toStorage["kind"]!.GetValue<string>());
        Assert.Equal("example.com/v2", toStorage["request"]!["desiredAPIVersion"]!.GetValue<string>());
        Assert.Equal("example.com/v1", toStorage["request"]!["objects"]![0]!["apiVersion"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(toStorage["request"]!["uid"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Get_List_AndWatch_InANonStorageVersion_ConvertTheStoredObjects_AndTheStorageVersionNeedsNoCall()
    {
        await using var fixture = await Fixture.StartAsync();
        foreach (var name in new[] { "a", "b" })
        {
            await fixture.Client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(Widget("v2", name, new JsonObject { ["dimensions"] = new JsonObject { ["size"] = 7 } }), Group, "v2", Ns, "widgets");
        }

        var got = await fixture.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Group, "v2", Ns, "widgets", "a");
        Assert.Equal(7, got["spec"]!["dimensions"]!["size"]!.GetValue<int>());
        Assert.Empty(fixture.Reviews);

        got = await fixture.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Group, "v1", Ns, "widgets", "a");
        Assert.Equal("example.com/v1", got["apiVersion"]!.GetValue<string>());
        Assert.Equal(7, got["spec"]!["size"]!.GetValue<int>());
        Assert.Equal("example.com/v1", Assert.Single(fixture.Reviews)["request"]!["desiredAPIVersion"]!.GetValue<string>());

        // A list is converted in one review holding every object.
        var list = await fixture.Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(Group, "v1", Ns, "widgets");
        Assert.Equal([7, 7], list["items"]!.AsArray().Select(static i => i!["spec"]!["size"]!.GetValue<int>()));
        Assert.Equal(2, fixture.Reviews.Last()["request"]!["objects"]!.AsArray().Count);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var watched = new List<JsonObject>();
        await foreach (var (_, obj) in fixture.Client.CustomObjects.WatchListNamespacedCustomObjectAsync(Group, "v1", Ns, "widgets", timeoutSeconds: 1, cancellationToken: timeout.Token))
        {
            watched.Add((JsonObject)JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(obj))!);
        }

        Assert.Equal([7, 7], watched.Select(static o => o["spec"]!["size"]!.GetValue<int>()));
        Assert.All(watched, static o => Assert.Equal("example.com/v1", o["apiVersion"]!.GetValue<string>()));
    }

    [Fact]
    public async Task PatchAndUpdate_InANonStorageVersion_ApplyToTheConvertedObject_AndStoreTheStorageVersion()
    {
        await using var fixture = await Fixture.StartAsync();
        await fixture.Client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(Widget("v1", "w", new JsonObject { ["size"] = 1 }), Group, "v1", Ns, "widgets");

        await fixture.Client.CustomObjects.PatchNamespacedCustomObjectAsync<JsonObject>(new V1Patch("""{"spec":{"size":5}}""", V1Patch.PatchType.MergePatch), Group, "v1", Ns, "widgets", "w");
        Assert.Equal(5, fixture.Stored("w")["spec"]!["dimensions"]!["size"]!.GetValue<int>());

        var current = await fixture.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Group, "v1", Ns, "widgets", "w");
        current["spec"]!["size"] = 9;
        var replaced = await fixture.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync<JsonObject>(current, Group, "v1", Ns, "widgets", "w");
        Assert.Equal(9, replaced["spec"]!["size"]!.GetValue<int>());
        Assert.Equal(9, fixture.Stored("w")["spec"]!["dimensions"]!["size"]!.GetValue<int>());
        Assert.Equal("example.com/v2", fixture.Stored("w")["apiVersion"]!.GetValue<string>());

        await fixture.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<JsonObject>(new V1Patch("""{"status":{"ready":true}}""", V1Patch.PatchType.MergePatch), Group, "v1", Ns, "widgets", "w");
        Assert.True(fixture.Stored("w")["status"]!["ready"]!.GetValue<bool>());
        Assert.Equal(9, fixture.Stored("w")["spec"]!["dimensions"]!["size"]!.GetValue<int>());
    }

    [Fact]
    public async Task OnlyLabelsAndAnnotations_ComeFromTheWebhooksMetadata()
    {
        await using var fixture = await Fixture.StartAsync();
        await fixture.Client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(Widget("v2", "w", new JsonObject { ["dimensions"] = new JsonObject { ["size"] = 2 } }), Group, "v2", Ns, "widgets");
        fixture.Tamper = static o =>
        {
            o["metadata"]!["labels"] = new JsonObject { ["converted"] = "yes" };
            o["metadata"]!["generation"] = 99;
            o["metadata"]!["finalizers"] = new JsonArray("example.com/added");
        };

        var got = await fixture.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Group, "v1", Ns, "widgets", "w");
        Assert.Equal("yes", got["metadata"]!["labels"]!["converted"]!.GetValue<string>());
        Assert.Equal(1, got["metadata"]!["generation"]!.GetValue<int>());
        Assert.Null(got["metadata"]!["finalizers"]);
    }

    [Theory]
    [InlineData("failure", "conversion webhook for example.com/v2, Kind=Widget failed: sizes above 100 are not convertible")]
    [InlineData("uid", "conversion webhook for example.com/v2, Kind=Widget failed: expected response.uid=")]
    [InlineData("name", "must have the same name: w != renamed")]
    [InlineData("count", "returned 0 objects, expected 1")]
    [InlineData("version", "invalid groupVersion (expected example.com/v1, received example.com/v2)")]
    [InlineData("status500", "conversion webhook for example.com/v2, Kind=Widget failed: the server responded with 500")]
    public async Task AnInvalidOrFailedConversion_FailsTheRead_With500NamingTheConversionWebhook(string fault, string message)
    {
        await using var fixture = await Fixture.StartAsync();
        await fixture.Client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(Widget("v2", "w", new JsonObject { ["dimensions"] = new JsonObject { ["size"] = 2 } }), Group, "v2", Ns, "widgets");
        fixture.Fault = fault;

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Group, "v1", Ns, "widgets", "w"));
        Assert.Equal(HttpStatusCode.InternalServerError, error.Response.StatusCode);
        Assert.Contains("Internal error occurred: conversion webhook for ", Message(error), StringComparison.Ordinal);
        Assert.Contains(message, Message(error), StringComparison.Ordinal);

        // The storage version is served without the webhook.
        await fixture.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Group, "v2", Ns, "widgets", "w");
    }

    [Fact]
    public async Task AWatchEvent_ThatCannotBeConverted_EndsTheWatch()
    {
        await using var fixture = await Fixture.StartAsync();
        var list = await fixture.Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(Group, "v1", Ns, "widgets");
        var version = list["metadata"]!["resourceVersion"]!.GetValue<string>();
        fixture.Fault = "failure";

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var events = 0;
        var watching = Task.Run(async () =>
        {
            try
            {
                await foreach (var _ in fixture.Client.CustomObjects.WatchListNamespacedCustomObjectAsync(Group, "v1", Ns, "widgets", resourceVersion: version, timeoutSeconds: 30, cancellationToken: timeout.Token))
                {
                    events++;
                }
            }
            catch (HttpRequestException)
            {
                // The stream ended while the client read it: the watch is over all the same.
            }
        });
        await fixture.Client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(Widget("v2", "w", new JsonObject { ["dimensions"] = new JsonObject { ["size"] = 2 } }), Group, "v2", Ns, "widgets");

        // The API server's watch stops at an object it cannot encode in the watched version; the client re-lists.
        await watching;
        Assert.False(timeout.IsCancellationRequested, "the watch should have ended at the unconvertible event");
        Assert.Equal(0, events);
    }

    [Fact]
    public async Task AWebhookThatCannotBeReached_FailsWritesAndReads_InNonStorageVersions()
    {
        await using var fixture = await Fixture.StartAsync();
        await fixture.Client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(Widget("v2", "w", new JsonObject { ["dimensions"] = new JsonObject { ["size"] = 2 } }), Group, "v2", Ns, "widgets");
        await fixture.StopWebhookAsync();

        var write = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(Widget("v1", "x", new JsonObject { ["size"] = 1 }), Group, "v1", Ns, "widgets"));
        Assert.Equal(HttpStatusCode.InternalServerError, write.Response.StatusCode);
        Assert.StartsWith("Internal error occurred: conversion webhook for example.com/v1, Kind=Widget failed: Post \"https://127.0.0.1:", Message(write), StringComparison.Ordinal);
        Assert.Null(fixture.Emulator.Store.Get(new StoredObjectKey(new ResourceType(Group, "widgets"), Ns, "x")));

        var read = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(Group, "v1", Ns, "widgets"));
        Assert.Equal(HttpStatusCode.InternalServerError, read.Response.StatusCode);
        Assert.Contains("conversion webhook for example.com/v2, Kind=Widget failed", Message(read), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheWebhooksCertificate_IsVerifiedAgainstTheCaBundle()
    {
        // A caBundle of another CA: the TLS handshake fails and so does the conversion; verification is never skipped.
        var other = WebhookCertificateAuthority.Create(["localhost"], [IPAddress.Loopback], DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
        await using var fixture = await Fixture.StartAsync(caBundle: other.CaPem);
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(Widget("v1", "w", new JsonObject { ["size"] = 1 }), Group, "v1", Ns, "widgets"));
        Assert.Equal(HttpStatusCode.InternalServerError, error.Response.StatusCode);
        Assert.Contains("conversion webhook for example.com/v1, Kind=Widget failed: Post", Message(error), StringComparison.Ordinal);
        Assert.Empty(fixture.Reviews);
    }

    [Theory]
    [InlineData("strategy: Webhook", "spec.conversion.webhook: Required value: required when strategy is set to Webhook")]
    [InlineData("strategy: Webhook\n    webhook:\n      conversionReviewVersions: [v1]\n      clientConfig: {}", "spec.conversion.webhook.clientConfig: Required value: exactly one of url or service is required")]
    [InlineData("strategy: Webhook\n    webhook:\n      conversionReviewVersions: [v2]\n      clientConfig:\n        url: https://127.0.0.1:1/convert", "must include at least one of v1, v1beta1")]
    [InlineData("strategy: Webhook\n    webhook:\n      conversionReviewVersions: [v1]\n      clientConfig:\n        url: http://127.0.0.1:1/convert", "'https' is the only allowed URL scheme")]
    public async Task ACrdsConversion_IsValidated(string conversion, string message)
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        var error = Assert.Throws<ApiException>(() => emulator.ApplyManifests(Crd(conversion)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Code);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private static string Message(HttpOperationException e) => JsonNode.Parse(e.Response.Content)!["message"]!.GetValue<string>();

    private static JsonObject Widget(string version, string name, JsonObject spec) => new()
    {
        ["apiVersion"] = Group + "/" + version,
        ["kind"] = "Widget",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = spec,
    };

    private static string Crd(string conversion) => $$"""
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.example.com
        spec:
          group: example.com
          names:
            kind: Widget
            plural: widgets
            singular: widget
          scope: Namespaced
          conversion:
            {{conversion}}
          versions:
          - name: v1
            served: true
            storage: false
            subresources:
              status: {}
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      size:
                        type: integer
                  status:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
          - name: v2
            served: true
            storage: true
            subresources:
              status: {}
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      dimensions:
                        type: object
                        properties:
                          size:
                            type: integer
                  status:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
        """;

    /// <summary>The emulator with the Widget CRD, its conversion webhook a stand-in on loopback HTTPS under its own CA.</summary>
    private sealed class Fixture : IAsyncDisposable
    {
        private readonly WebApplication _webhook;
        private bool _stopped;

        private Fixture(KubernetesEmulator emulator, WebApplication webhook)
        {
            Emulator = emulator;
            _webhook = webhook;
            Client = ControllerHost.CreateClient(emulator);
        }

        public KubernetesEmulator Emulator { get; }

        public IKubernetes Client { get; }

        /// <summary>Every ConversionReview the webhook received, in order.</summary>
        public ConcurrentQueue<JsonObject> Reviews { get; } = new();

        /// <summary>A fault the webhook answers with (see the theory), or null for a correct conversion.</summary>
        public string? Fault { get; set; }

        /// <summary>Applied to each converted object before it is returned.</summary>
        public Action<JsonObject>? Tamper { get; set; }

        public static async Task<Fixture> StartAsync(string? caBundle = null)
        {
            var authority = WebhookCertificateAuthority.Create(["localhost"], [IPAddress.Loopback], DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            var serving = authority.ToServerCertificate();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(serving)));
            var app = builder.Build();
            Fixture? fixture = null;
            app.MapPost("/convert", async context =>
            {
                var review = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body))!;
                fixture!.Reviews.Enqueue(review);
                if (fixture.Fault == "status500")
                {
                    context.Response.StatusCode = 500;
                    return;
                }

                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(fixture.Answer(review).ToJsonString());
            });
            await app.StartAsync();
            var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
            var emulator = await KubernetesEmulator.StartAsync();
            fixture = new Fixture(emulator, app);
            emulator.ApplyManifests(Crd($"""
                strategy: Webhook
                    webhook:
                      conversionReviewVersions: [v1]
                      clientConfig:
                        url: https://127.0.0.1:{port}/convert
                        caBundle: {Convert.ToBase64String(Encoding.UTF8.GetBytes(caBundle ?? authority.CaPem))}
                """));
            return fixture;
        }

        public JsonObject Stored(string name) => Emulator.Store.Get(new StoredObjectKey(new ResourceType(Group, "widgets"), Ns, name))!;

        public async Task StopWebhookAsync()
        {
            await _webhook.StopAsync();
            _stopped = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stopped)
            {
                await _webhook.StopAsync();
            }

            await _webhook.DisposeAsync();
            await Emulator.DisposeAsync();
        }

        // v1 spec.size <-> v2 spec.dimensions.size; everything else, metadata included, as it came.
        private JsonObject Answer(JsonObject review)
        {
            var request = review["request"]!;
            var desired = request["desiredAPIVersion"]!.GetValue<string>();
            var converted = new JsonArray();
            foreach (var item in request["objects"]!.AsArray())
            {
                var obj = (JsonObject)item!.DeepClone();
                var spec = obj["spec"] as JsonObject ?? [];
                var size = desired.EndsWith("/v1", StringComparison.Ordinal) ? spec["dimensions"]?["size"]?.DeepClone() : spec["size"]?.DeepClone();
                obj["spec"] = desired.EndsWith("/v1", StringComparison.Ordinal) ? new JsonObject { ["size"] = size } : new JsonObject { ["dimensions"] = new JsonObject { ["size"] = size } };
                obj["apiVersion"] = Fault == "version" ? obj["apiVersion"]!.GetValue<string>() : desired;
                if (Fault == "name")
                {
                    obj["metadata"]!["name"] = "renamed";
                }

                Tamper?.Invoke(obj);
                converted.Add(obj);
            }

            var response = new JsonObject
            {
                ["uid"] = Fault == "uid" ? "someone-else" : request["uid"]!.DeepClone(),
                ["convertedObjects"] = Fault == "count" ? new JsonArray() : converted,
                ["result"] = Fault == "failure"
                    ? new JsonObject { ["status"] = "Failure", ["message"] = "sizes above 100 are not convertible" }
                    : new JsonObject { ["status"] = "Success" },
            };
            return new JsonObject { ["apiVersion"] = "apiextensions.k8s.io/v1", ["kind"] = "ConversionReview", ["response"] = response };
        }
    }
}
