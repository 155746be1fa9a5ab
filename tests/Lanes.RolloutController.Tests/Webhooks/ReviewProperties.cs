using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using k8s.Models;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Tests.Api;
using Lanes.RolloutController.Tests.TestSupport;
using Lanes.RolloutController.Webhooks;

namespace Lanes.RolloutController.Tests.Webhooks;

/// <summary>
/// What the API server (or anything that reaches the webhook port) may send, 10,000 cases each: AdmissionReview and
/// ConversionReview bodies, valid ones with hostile edits, truncated ones and random bytes. A body is answered or
/// refused with a reason, never an exception (which would be a 500 without a review, and under
/// <c>failurePolicy: Fail</c> a refused Deployment update the user cannot explain).
/// </summary>
public sealed class ReviewProperties
{
    private const int Cases = 10_000;
    private const string Alpha = KruiseNames.Group + "/" + KruiseNames.V1Alpha1;
    private const string Beta = KruiseNames.Group + "/" + KruiseNames.V1Beta1;

    [Property(MaxTest = Cases)]
    public Property AdmissionReview_AnyBody_IsReadOrRefusedWithAReason() =>
        Prop.ForAll(Bodies(DeploymentReviews.Select(static r => r.ToJsonString())).ToArbitrary(), body =>
        {
            var request = AdmissionRequest.Parse(body, out var error);
            return request is null
                ? (!string.IsNullOrEmpty(error)).Label("refused without a reason")
                : (error is null && request.Uid.Length > 0 && request.Operation.Length > 0).Label("read without uid or operation");
        });

    [Property(MaxTest = Cases)]
    public Property DeploymentAdmission_AnyUpdate_AnswersWithAPatchThatApplies_OrNone() =>
        Prop.ForAll(DeploymentReviews.ToArbitrary(), RolloutProperties.BetaRollouts.ToArbitrary(), ReplicaSets.ToArbitrary(), (review, rollout, replicaSets) =>
        {
            var request = AdmissionRequest.Parse(Encoding.UTF8.GetBytes(review.ToJsonString()), out _);
            if (request?.Object is not { } newObject || request.OldObject is not { } oldObject)
            {
                return true.ToProperty();
            }

            JsonArray? patch;
            try
            {
                patch = DeploymentAdmission.Mutate(oldObject, newObject, rollout, replicaSets);
            }
            catch (System.Text.Json.JsonException)
            {
                // Not a Deployment: DeploymentWebhook answers 400 with the reason.
                return true.ToProperty();
            }

            var response = request.Allow(patch);
            if (patch is not { Count: > 0 })
            {
                return (response["response"]!["patch"] is null).Label("a patch without operations was sent");
            }

            // The API server applies the patch and refuses the update if it does not apply: it must.
            var applied = JsonPatching.ApplyJsonPatch(newObject.DeepClone(), patch);
            return (applied is JsonObject && response["response"]!["patchType"]!.GetValue<string>() == "JSONPatch").Label(patch.ToJsonString());
        });

    [Property(MaxTest = Cases)]
    public Property RolloutAdmission_AnyStoredOrSentDocument_IsReadAndJudged_OrRefusedAsUnreadable() =>
        Prop.ForAll(RolloutProperties.Documents.ToArbitrary(), RolloutProperties.Documents.ToArbitrary(), (sent, stored) =>
        {
            Rollout rollout;
            Rollout? old;
            try
            {
                // As RolloutWebhook reads them: a JsonException is its 400 answer; anything else would escape it.
                rollout = RolloutConversion.Read(sent);
                old = RolloutConversion.Read(stored);
            }
            catch (System.Text.Json.JsonException)
            {
                return true.ToProperty();
            }

            rollout.Metadata.NamespaceProperty ??= "default";
            var refusal = RolloutAdmission.Validate(rollout, old, old.Status?.Phase, [old]);
            return (refusal is null || refusal.Length > 0).ToProperty();
        });

    [Property(MaxTest = Cases)]
    public Property ConversionReview_AnyBody_ConvertsEveryObject_OrFailsWithAMessage_OrIsRefused() =>
        Prop.ForAll(Bodies(ConversionReviews.Select(static r => r.ToJsonString())).ToArbitrary(), body =>
        {
            var answer = ConversionWebhook.Handle(body, out var error);
            if (answer is null)
            {
                return (!string.IsNullOrEmpty(error)).Label("refused without a reason");
            }

            var request = JsonNode.Parse(body)!["request"]!;
            var response = answer["response"]!;
            var converted = (JsonArray)response["convertedObjects"]!;
            var desired = request["desiredAPIVersion"]!.GetValue<string>();
            return response["result"]!["status"]!.GetValue<string>() switch
            {
                "Success" => (response["uid"]!.GetValue<string>() == request["uid"]!.GetValue<string>()
                    && converted.Count == ((JsonArray)request["objects"]!).Count
                    && converted.All(o => AdmissionRequest.Text(o!["apiVersion"]) == desired && AdmissionRequest.Text(o["kind"]) is null or "Rollout")).Label("Success, but not every object converted"),
                "Failure" => (converted.Count == 0 && response["result"]!["message"]!.GetValue<string>().Length > 0).Label("Failure without a message"),
                var other => false.Label("result " + other),
            };
        });

    // ---- generators ----

    // A valid body with hostile edits, the same cut short, or random bytes.
    private static Gen<byte[]> Bodies(Gen<string> valid) => Gen.OneOf(
        valid.Select(static s => Encoding.UTF8.GetBytes(s)),
        from text in valid
        from cut in Gen.Choose(0, 100)
        select Encoding.UTF8.GetBytes(text[..(text.Length * cut / 100)]),
        Gen.Choose(0, 64).SelectMany(static n => Gen.Choose(0, 255).Select(static b => (byte)b).ArrayOf(n)));

    private static readonly Gen<JsonObject> Deployments =
        from image in Gen.Elements("example/app:v1", "example/app:v2")
        from replicas in Gen.Elements(0, 1, 3)
        from paused in ArbMap.Default.GeneratorFor<bool>()
        from progressing in ArbMap.Default.GeneratorFor<bool>()
        from rolloutId in Gen.Elements<string?>(null, "r1", "r2")
        from strategy in Gen.Elements("RollingUpdate", "Recreate")
        select new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject
            {
                ["name"] = "app",
                ["namespace"] = "default",
                ["generation"] = 2,
                ["labels"] = new JsonObject { [KruiseNames.WorkloadTypeLabel] = "deployment" },
                ["annotations"] = Annotations(progressing, rolloutId),
            },
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["paused"] = paused,
                ["strategy"] = new JsonObject { ["type"] = strategy },
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "app" } },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "app" } },
                    ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = image }) },
                },
            },
        };

    private static readonly Gen<JsonObject> DeploymentReviews =
        from oldObject in Deployments
        from newObject in Deployments
        from oldEdits in Gen.OneOf(Gen.Constant(Array.Empty<(int, int, JsonNode?)>()), JsonEdits.Some)
        from newEdits in Gen.OneOf(Gen.Constant(Array.Empty<(int, int, JsonNode?)>()), JsonEdits.Some)
        from operation in Gen.Elements("UPDATE", "CREATE", "DELETE", "")
        from reviewEdits in Gen.OneOf(Gen.Constant(Array.Empty<(int, int, JsonNode?)>()), JsonEdits.Some)
        select JsonEdits.Apply(new JsonObject
        {
            ["apiVersion"] = "admission.k8s.io/v1",
            ["kind"] = "AdmissionReview",
            ["request"] = new JsonObject
            {
                ["uid"] = "uid-1",
                ["kind"] = new JsonObject { ["group"] = "apps", ["version"] = "v1", ["kind"] = "Deployment" },
                ["resource"] = new JsonObject { ["group"] = "apps", ["version"] = "v1", ["resource"] = "deployments" },
                ["namespace"] = "default",
                ["operation"] = operation,
                ["object"] = JsonEdits.Apply(newObject, newEdits),
                ["oldObject"] = JsonEdits.Apply(oldObject, oldEdits),
            },
        }, reviewEdits);

    private static readonly Gen<List<V1ReplicaSet>> ReplicaSets = Gen.Choose(0, 3).SelectMany(static n =>
        (from hash in Gen.Elements("h1", "h2", "h3")
         from replicas in Gen.Elements<int?>(null, 0, 1, 3)
         from owned in ArbMap.Default.GeneratorFor<bool>()
         select new V1ReplicaSet
         {
             Metadata = new V1ObjectMeta
             {
                 Name = "app-" + hash,
                 NamespaceProperty = "default",
                 Labels = new Dictionary<string, string> { ["pod-template-hash"] = hash },
                 OwnerReferences = owned ? [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "app", Uid = "uid-app", Controller = true }] : null,
             },
             Spec = new V1ReplicaSetSpec { Replicas = replicas, Selector = new V1LabelSelector() },
             Status = new V1ReplicaSetStatus { Replicas = replicas ?? 0 },
         }).ListOf(n).Select(static l => l.ToList()));

    private static readonly Gen<JsonObject> ConversionReviews =
        from count in Gen.Choose(0, 3)
        from objects in RolloutProperties.Documents.ArrayOf(count)
        from desired in Gen.Elements(Alpha, Beta, Beta, KruiseNames.Group + "/v2", "")
        from edits in Gen.OneOf(Gen.Constant(Array.Empty<(int, int, JsonNode?)>()), JsonEdits.Some)
        select JsonEdits.Apply(new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "ConversionReview",
            ["request"] = new JsonObject
            {
                ["uid"] = "uid-1",
                ["desiredAPIVersion"] = desired,
                ["objects"] = new JsonArray([.. objects.Select(static o => (JsonNode?)o)]),
            },
        }, edits);

    private static JsonObject Annotations(bool progressing, string? rolloutId)
    {
        var annotations = new JsonObject();
        if (progressing)
        {
            annotations[KruiseNames.InProgressingAnnotation] = """{"rolloutName":"rollout-app"}""";
        }

        if (rolloutId is not null)
        {
            annotations["rollouts.kruise.io/rollout-id"] = rolloutId;
        }

        return annotations;
    }
}
