using System.Text;
using System.Text.Json.Nodes;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Tests.TestSupport;
using Lanes.RolloutController.Webhooks;

namespace Lanes.RolloutController.Tests.Webhooks;

/// <summary>The CRD conversion webhook: ConversionReview in and out, round trips, bad bodies, registration.</summary>
public sealed class ConversionWebhookTests
{
    [Fact]
    public void SeedV1Alpha1_ToV1Beta1_AndBack_KeepsEveryField()
    {
        var (_, alpha) = Manifests.LoadFile("rollout.yaml")[0];
        alpha["metadata"]!["namespace"] = "default";
        alpha["metadata"]!["uid"] = "uid-1";
        alpha["metadata"]!["labels"] = new JsonObject { ["team"] = "a" };
        alpha["status"] = JsonNode.Parse("""{"observedGeneration":2,"phase":"Progressing","message":"m","canaryStatus":{"observedWorkloadGeneration":3,"canaryRevision":"r2","podTemplateHash":"h","canaryReplicas":1,"canaryReadyReplicas":1,"currentStepIndex":1,"currentStepState":"StepPaused","nextStepIndex":-1,"finalisingStep":""}}""");

        var response = Review(alpha, "rollouts.kruise.io/v1beta1");
        Assert.Equal("Success", response["result"]!["status"]!.GetValue<string>());
        var beta = response["convertedObjects"]![0]!.AsObject();
        Assert.Equal("rollouts.kruise.io/v1beta1", beta["apiVersion"]!.GetValue<string>());
        Assert.Equal("spring-cloud-a", beta["spec"]!["workloadRef"]!["name"]!.GetValue<string>());
        Assert.Equal("mse-traffic", beta["spec"]!["strategy"]!["canary"]!["trafficRoutingRef"]!.GetValue<string>());
        Assert.True(beta["spec"]!["strategy"]!["canary"]!["enableExtraWorkloadForCanary"]!.GetValue<bool>());
        Assert.Equal("uid-1", beta["metadata"]!["uid"]!.GetValue<string>());
        Assert.Equal("a", beta["metadata"]!["labels"]!["team"]!.GetValue<string>());
        Assert.Equal("StepPaused", beta["status"]!["canaryStatus"]!["currentStepState"]!.GetValue<string>());

        var back = Review(beta, "rollouts.kruise.io/v1alpha1")["convertedObjects"]![0]!.AsObject();
        Assert.Equal("rollouts.kruise.io/v1alpha1", back["apiVersion"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(WithoutFalse(alpha["spec"]), WithoutFalse(back["spec"])), alpha["spec"]!.ToJsonString() + " != " + back["spec"]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(alpha["status"], back["status"]), back["status"]!.ToJsonString());
        Assert.Equal("mse-traffic", back["metadata"]!["annotations"]![KruiseNames.TrafficRoutingAnnotation]!.GetValue<string>());
    }

    [Fact]
    public void SameVersion_IsReturnedAsIs_AndUnknownVersions_FailTheReviewNotTheServer()
    {
        var (_, alpha) = Manifests.LoadFile("rollout.yaml")[0];
        Assert.True(JsonNode.DeepEquals(alpha, Review(alpha, "rollouts.kruise.io/v1alpha1")["convertedObjects"]![0]));

        var failed = Review(alpha, "rollouts.kruise.io/v2");
        Assert.Equal("Failure", failed["result"]!["status"]!.GetValue<string>());
        Assert.Contains("cannot convert a Rollout to rollouts.kruise.io/v2: the versions are rollouts.kruise.io/v1alpha1 and rollouts.kruise.io/v1beta1", failed["result"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{", "not JSON")]
    [InlineData("""{"apiVersion":"apiextensions.k8s.io/v1beta1","kind":"ConversionReview"}""", "apiextensions.k8s.io/v1")]
    [InlineData("""{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"u"}}""", "desiredAPIVersion")]
    public void MalformedReviews_GiveAReason(string body, string reason)
    {
        Assert.Null(ConversionWebhook.Handle(Encoding.UTF8.GetBytes(body), out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LocalUrl_PointsTheCrdConversionAtTheController_AndRestoresItOnShutdown()
    {
        // The cluster has deploy/crd-rollouts.yaml installed, its conversion pointed at the in-cluster Service.
        await using var cluster = await TestCluster.StartAsync();
        var crds = new ResourceType("apiextensions.k8s.io", "customresourcedefinitions");
        var before = cluster.Store.Get(new StoredObjectKey(crds, "", "rollouts.rollouts.kruise.io"))!["spec"]!["conversion"]?.ToJsonString();
        Assert.Contains("\"service\"", before, StringComparison.Ordinal);

        await using (var controller = await ControllerHost.StartAsync(cluster.Emulator))
        {
            var pointed = cluster.Store.Get(new StoredObjectKey(crds, "", "rollouts.rollouts.kruise.io"))!;
            var conversion = pointed["spec"]!["conversion"]!;
            Assert.Equal("Webhook", conversion["strategy"]!.GetValue<string>());
            var url = conversion["webhook"]!["clientConfig"]!["url"]!.GetValue<string>();
            Assert.StartsWith("https://127.0.0.1:", url, StringComparison.Ordinal);
            Assert.EndsWith("/convert", url, StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(conversion["webhook"]!["clientConfig"]!["caBundle"]!.GetValue<string>()));
        }

        Assert.Equal(before, cluster.Store.Get(new StoredObjectKey(crds, "", "rollouts.rollouts.kruise.io"))!["spec"]!["conversion"]?.ToJsonString());
    }

    // false booleans are Go's zero values, written or not: the same object either way.
    private static JsonNode? WithoutFalse(JsonNode? node)
    {
        var copy = node?.DeepClone();
        Strip(copy);
        return copy;

        static void Strip(JsonNode? n)
        {
            if (n is JsonObject o)
            {
                foreach (var key in o.Where(static p => p.Value is JsonValue v && v.TryGetValue<bool>(out var b) && !b).Select(static p => p.Key).ToList())
                {
                    o.Remove(key);
                }

                foreach (var (_, child) in o)
                {
                    Strip(child);
                }
            }
            else if (n is JsonArray a)
            {
                foreach (var child in a)
                {
                    Strip(child);
                }
            }
        }
    }

    private static JsonObject Review(JsonObject obj, string desired)
    {
        var review = new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "ConversionReview",
            ["request"] = new JsonObject { ["uid"] = "u-1", ["desiredAPIVersion"] = desired, ["objects"] = new JsonArray(obj.DeepClone()) },
        };
        var response = ConversionWebhook.Handle(Encoding.UTF8.GetBytes(review.ToJsonString()), out var error);
        Assert.Null(error);
        Assert.Equal("u-1", response!["response"]!["uid"]!.GetValue<string>());
        return response["response"]!.AsObject();
    }
}
