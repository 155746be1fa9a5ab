using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using k8s.Models;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Cluster;
using Lanes.RolloutController.Decisions;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.RolloutController.Tests.Api;

/// <summary>
/// Rollout specs as users (or anything with write access) store them, 10,000 cases each: <see cref="IntOrPercent"/> and
/// the v1alpha1/v1beta1 conversion round-trip, and no stored document, however broken, makes the controller throw:
/// it reads, validates and decides on whatever it finds.
/// </summary>
public sealed class RolloutProperties
{
    private const int Cases = 10_000;
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    [Property(MaxTest = Cases)]
    public Property IntOrPercent_RoundTripsThroughItsText() =>
        Prop.ForAll(ArbMap.Default.GeneratorFor<int>().ToArbitrary(), ArbMap.Default.GeneratorFor<bool>().ToArbitrary(), (value, percent) =>
        {
            var x = percent ? IntOrPercent.FromPercent(value) : IntOrPercent.FromInt(value);
            return IntOrPercent.Parse(x.ToString()) == x && x.IsValid;
        });

    [Property(MaxTest = Cases)]
    public Property IntOrPercent_AnyText_ParsesWithoutThrowing_KeepingWhatItCannotRead() =>
        Prop.ForAll(IntOrPercentText.ToArbitrary(), text =>
        {
            var x = IntOrPercent.Parse(text);
            return x.IsValid ? IntOrPercent.Parse(x.ToString()) == x : x.Raw == text && x.ToString() == text;
        });

    [Property(MaxTest = Cases)]
    public Property IntOrPercent_AnyValue_RoundTripsThroughJson() =>
        Prop.ForAll(IntOrPercentText.ToArbitrary(), text =>
        {
            var x = IntOrPercent.Parse(text);
            var json = JsonSerializer.Serialize(new CanaryStep { Replicas = x }, ApiJson.Options);
            return JsonSerializer.Deserialize<CanaryStep>(json, ApiJson.Options)!.Replicas == x;
        });

    [Property(MaxTest = Cases)]
    public Property IntOrPercent_Resolve_IsKruisesCeiling_WithinTheTotal() =>
        Prop.ForAll(Gen.Choose(0, 100).ToArbitrary(), Gen.Choose(0, 1_000_000).ToArbitrary(), (percent, total) =>
        {
            var resolved = IntOrPercent.FromPercent(percent).Resolve(total);
            return resolved >= 0 && resolved <= total && resolved == (int)Math.Ceiling(percent * (decimal)total / 100);
        });

    [Property(MaxTest = Cases)]
    public Property Conversion_V1Beta1ToV1Alpha1AndBack_KeepsTheRollout_AndLeavesItsInputAlone() =>
        Prop.ForAll(BetaRollouts.ToArbitrary(), beta =>
        {
            var before = Json(beta);
            var alpha = RolloutConversion.ToV1Alpha1(beta);
            var unchanged = Json(beta) == before;
            var back = RolloutConversion.ToV1Beta1(alpha);
            return unchanged.Label("ToV1Alpha1 changed its input")
                .And((WithoutConversionAnnotations(Json(back)) == WithoutConversionAnnotations(before)).Label($"{before}\n->\n{Json(back)}"));
        });

    [Property(MaxTest = Cases)]
    public Property Conversion_V1Alpha1ToV1Beta1_IsStableUnderARoundTrip() =>
        Prop.ForAll(AlphaRollouts.ToArbitrary(), alpha =>
        {
            var beta = RolloutConversion.ToV1Beta1(alpha);
            var again = RolloutConversion.ToV1Beta1(RolloutConversion.ToV1Alpha1(RolloutConversion.ToV1Beta1(alpha)));
            return (WithoutConversionAnnotations(Json(again)) == WithoutConversionAnnotations(Json(beta))).Label($"{Json(beta)}\n->\n{Json(again)}");
        });

    [Property(MaxTest = Cases)]
    public Property AnyStoredDocument_IsReadValidatedAndDecidedOn_WithoutThrowing() =>
        Prop.ForAll(Documents.ToArbitrary(), Workloads.ToArbitrary(), (document, workload) =>
        {
            var rollout = RolloutObserver.ReadRollout(document, "default", "rollout-app", out var readError);
            var observation = new RolloutObservation { Rollout = rollout, ReadError = readError, Workload = workload };
            var problem = RolloutValidator.Validate(observation, RolloutDecisionSettings.Default.LaneHeader);
            var decision = RolloutDecider.Decide(observation, Now, RolloutDecisionSettings.Default);
            return (readError is null || problem is not null) && decision.Status is not null;
        });

    // ---- generators ----

    internal static readonly Gen<string> Name = Gen.Choose(1, 10).SelectMany(n => Gen.Elements("abcdefghijklmnopqrstuvwxyz0123456789-".ToCharArray()).ArrayOf(n)).Select(a => "n" + new string(a));

    private static readonly Gen<string> IntOrPercentText = Gen.OneOf(
        ArbMap.Default.GeneratorFor<int>().Select(i => i.ToString(CultureInfo.InvariantCulture)),
        ArbMap.Default.GeneratorFor<int>().Select(i => i.ToString(CultureInfo.InvariantCulture) + "%"),
        Gen.Elements("", " ", "%", "50 %", " 7 ", "1e3", "0x10", "99999999999", "-0%", "+5", "50%%", "∞", "3.5", "٣"),
        ArbMap.Default.GeneratorFor<string>().Where(s => s is not null));

    private static readonly Gen<IntOrPercent> Replicas = Gen.OneOf(
        Gen.Choose(1, 100).Select(IntOrPercent.FromPercent),
        Gen.Choose(1, 50).Select(IntOrPercent.FromInt));

    private static readonly Gen<List<HttpValueMatch>> HeaderMatches = Gen.Choose(1, 2).SelectMany(n =>
        (from type in Gen.Elements<string?>(null, "Exact", "RegularExpression")
         from name in Name
         from value in Name
         select new HttpValueMatch { Type = type, Name = name, Value = value }).ArrayOf(n)).Select(a => a.ToList());

    private static readonly Gen<HttpHeaderFilter?> HeaderFilter = Gen.OneOf(
        Gen.Constant<HttpHeaderFilter?>(null),
        from name in Name
        from value in Name
        select (HttpHeaderFilter?)new HttpHeaderFilter { Set = [new HttpHeader { Name = name, Value = value }] });

    private static readonly Gen<RolloutPause?> Pause = Gen.OneOf(
        Gen.Constant<RolloutPause?>(null),
        Gen.Constant<RolloutPause?>(new RolloutPause()),
        Gen.Choose(0, 3600).Select(d => (RolloutPause?)new RolloutPause { Duration = d }));

    private static readonly Gen<CanaryStep> BetaStep =
        from traffic in Gen.OneOf(Gen.Constant<string?>(null), Gen.Choose(0, 100).Select(t => (string?)(t.ToString(CultureInfo.InvariantCulture) + "%")))
        from replicas in Replicas
        from matches in Gen.OneOf(Gen.Constant<List<HttpValueMatch>?>(null), HeaderMatches.Select(m => (List<HttpValueMatch>?)m))
        from modifier in HeaderFilter
        from pause in Pause
        select new CanaryStep
        {
            Traffic = traffic,
            Replicas = replicas,
            Matches = matches is null ? null : [new HttpRouteMatch { Headers = matches }],
            RequestHeaderModifier = modifier,
            Pause = pause,
        };

    private static readonly Gen<Dictionary<string, string>?> Labels = Gen.OneOf(
        Gen.Constant<Dictionary<string, string>?>(null),
        Gen.Choose(1, 3).SelectMany(n => Gen.Zip(Name, Name).ArrayOf(n)).Select(p => (Dictionary<string, string>?)p.DistinctBy(x => x.Item1).ToDictionary(x => x.Item1, x => x.Item2)));

    internal static readonly Gen<Rollout> BetaRollouts =
        from name in Name
        from annotations in Labels
        from workload in Name
        from disabled in ArbMap.Default.GeneratorFor<bool>()
        from paused in ArbMap.Default.GeneratorFor<bool>()
        from steps in Gen.Choose(1, 4).SelectMany(n => BetaStep.ArrayOf(n))
        from extra in ArbMap.Default.GeneratorFor<bool>()
        from trafficRoutingRef in Gen.OneOf(Gen.Constant<string?>(null), Name.Select(n => (string?)n))
        from failureThreshold in Gen.OneOf(Gen.Constant<IntOrPercent?>(null), Replicas.Select(r => (IntOrPercent?)r))
        from labels in Labels
        from disableService in ArbMap.Default.GeneratorFor<bool>()
        select new Rollout
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Annotations = annotations },
            Spec = new RolloutSpec
            {
                WorkloadRef = new WorkloadRef { ApiVersion = "apps/v1", Kind = "Deployment", Name = workload },
                Disabled = disabled,
                Strategy = new RolloutStrategy
                {
                    Paused = paused,
                    Canary = new CanaryStrategy
                    {
                        Steps = [.. steps],
                        EnableExtraWorkloadForCanary = extra,
                        TrafficRoutingRef = trafficRoutingRef,
                        FailureThreshold = failureThreshold,
                        PatchPodTemplateMetadata = labels is null ? null : new PatchPodTemplateMetadata { Labels = labels },
                        DisableGenerateCanaryService = disableService,
                    },
                },
            },
        };

    private static readonly Gen<CanaryStepV1Alpha1> AlphaStep =
        from weight in Gen.OneOf(Gen.Constant<int?>(null), Gen.Choose(0, 100).Select(w => (int?)w))
        from replicas in Gen.OneOf(Gen.Constant<IntOrPercent?>(null), Replicas.Select(r => (IntOrPercent?)r))
        from matches in Gen.OneOf(Gen.Constant<List<HttpValueMatch>?>(null), HeaderMatches.Select(m => (List<HttpValueMatch>?)m))
        from modifier in HeaderFilter
        from pause in Pause
        select new CanaryStepV1Alpha1
        {
            Weight = weight,
            Replicas = replicas,
            Matches = matches is null ? null : [new HeaderRouteMatchV1Alpha1 { Headers = matches }],
            RequestHeaderModifier = modifier,
            Pause = pause,
        };

    internal static readonly Gen<RolloutV1Alpha1> AlphaRollouts =
        from name in Name
        from style in Gen.Elements<string?>(null, "canary", "partition", "Partition", "Canary")
        from trafficRouting in Gen.OneOf(Gen.Constant<string?>(null), Name.Select(n => (string?)n))
        from workload in Name
        from steps in Gen.Choose(1, 4).SelectMany(n => AlphaStep.ArrayOf(n))
        from paused in ArbMap.Default.GeneratorFor<bool>()
        select Alpha(name, style, trafficRouting, workload, steps, paused);

    private static RolloutV1Alpha1 Alpha(string name, string? style, string? trafficRouting, string workload, CanaryStepV1Alpha1[] steps, bool paused)
    {
        var annotations = new Dictionary<string, string>();
        if (style is not null)
        {
            annotations[KruiseNames.RollingStyleAnnotation] = style;
        }

        if (trafficRouting is not null)
        {
            annotations[KruiseNames.TrafficRoutingAnnotation] = trafficRouting;
        }

        return new RolloutV1Alpha1
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Annotations = annotations.Count == 0 ? null : annotations },
            Spec = new RolloutSpecV1Alpha1
            {
                ObjectRef = new ObjectRefV1Alpha1 { WorkloadRef = new WorkloadRef { ApiVersion = "apps/v1", Kind = "Deployment", Name = workload } },
                Strategy = new RolloutStrategyV1Alpha1 { Paused = paused, Canary = new CanaryStrategyV1Alpha1 { Steps = [.. steps] } },
            },
        };
    }

    /// <summary>
    /// Stored documents: valid Rollouts of either version with 1 to 5 edits anywhere (a value replaced by one of any
    /// kind, a key removed or added), or any JSON object at all.
    /// </summary>
    internal static readonly Gen<JsonObject> Documents = Gen.OneOf(
        from beta in BetaRollouts
        from edits in JsonEdits.Some
        select JsonEdits.Apply(ApiJson.Write(beta)!.AsObject(), edits),
        from alpha in AlphaRollouts
        from edits in JsonEdits.Some
        select JsonEdits.Apply(ApiJson.Write(alpha)!.AsObject(), edits),
        Gen.Choose(0, 4).SelectMany(n => Gen.Zip(Gen.Elements("apiVersion", "kind", "metadata", "spec", "status", "x"), JsonEdits.AnyValue).ArrayOf(n))
            .Select(pairs =>
            {
                var document = new JsonObject();
                foreach (var (key, value) in pairs)
                {
                    document[key] = value?.DeepClone();
                }

                return document;
            }));

    private static readonly Gen<WorkloadObservation?> Workloads = Gen.OneOf(
        Gen.Constant<WorkloadObservation?>(null),
        from replicas in Gen.Choose(0, 10)
        from paused in ArbMap.Default.GeneratorFor<bool>()
        from stable in Gen.Elements<string?>(null, "rev-1", "rev-2")
        from template in Gen.Elements("rev-1", "rev-2")
        from available in Gen.Choose(0, 10)
        select (WorkloadObservation?)new WorkloadObservation
        {
            Name = "app",
            Uid = "uid-app",
            Generation = 2,
            ObservedGeneration = 2,
            Replicas = replicas,
            Paused = paused,
            WorkloadTypeLabel = paused ? "deployment" : null,
            TemplateRevision = template,
            StableRevision = stable,
            IsTemplateStable = stable == template,
            StatusReplicas = replicas,
            UpdatedReplicas = replicas,
            AvailableReplicas = available,
            ReplicaSetCount = 1,
        });

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, ApiJson.Options);

    // The conversion records rolling style and TrafficRouting in annotations, as Kruise does; compare the rest.
    private static string WithoutConversionAnnotations(string json)
    {
        var node = JsonNode.Parse(json)!;
        if (node["metadata"]?["annotations"] is JsonObject annotations)
        {
            annotations.Remove(KruiseNames.RollingStyleAnnotation);
            annotations.Remove(KruiseNames.TrafficRoutingAnnotation);
            if (annotations.Count == 0)
            {
                node["metadata"]!.AsObject().Remove("annotations");
            }
        }

        return node.ToJsonString();
    }
}
