using System.Text.Json.Nodes;
using Lanes.RolloutController.Api;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.RolloutController.Tests.Api;

public sealed class RolloutConversionTests
{
    [Fact]
    public void Read_SeedV1Alpha1Rollout_ConvertsToV1Beta1()
    {
        var (_, document) = Manifests.LoadFile("rollout.yaml")[0];
        var rollout = RolloutConversion.Read(document);

        Assert.Equal("Deployment", rollout.Spec.WorkloadRef!.Kind);
        Assert.Equal("spring-cloud-a", rollout.Spec.WorkloadRef.Name);
        var canary = rollout.Spec.Strategy.Canary!;
        Assert.True(canary.EnableExtraWorkloadForCanary);
        Assert.Equal("mse-traffic", canary.TrafficRoutingRef);
        var step = Assert.Single(canary.Steps);
        Assert.Equal(IntOrPercent.FromInt(1), step.Replicas);
        Assert.NotNull(step.Pause);
        Assert.Null(step.Pause!.Duration);
        Assert.Equal("gray", canary.PatchPodTemplateMetadata!.Labels!["opensergo.io/canary-gray"]);
    }

    [Fact]
    public void ToV1Beta1_WeightBecomesTrafficAndDefaultReplicas_PartitionAnnotationRespected()
    {
        var alpha = new RolloutV1Alpha1();
        alpha.Metadata.Annotations = new Dictionary<string, string> { [KruiseNames.RollingStyleAnnotation] = "Partition" };
        alpha.Spec.Strategy.Canary = new CanaryStrategyV1Alpha1
        {
            Steps = [new CanaryStepV1Alpha1 { Weight = 20 }, new CanaryStepV1Alpha1 { Weight = 60, Replicas = IntOrPercent.FromInt(3) }],
        };

        var beta = RolloutConversion.ToV1Beta1(alpha);

        Assert.False(beta.Spec.Strategy.Canary!.EnableExtraWorkloadForCanary);
        Assert.Equal("20%", beta.Spec.Strategy.Canary.Steps[0].Traffic);
        Assert.Equal(IntOrPercent.FromPercent(20), beta.Spec.Strategy.Canary.Steps[0].Replicas);
        Assert.Equal(IntOrPercent.FromInt(3), beta.Spec.Strategy.Canary.Steps[1].Replicas);
    }

    [Fact]
    public void RoundTrip_V1Beta1ToV1Alpha1AndBack_KeepsWhatV1Alpha1CanHold()
    {
        var beta = new Rollout
        {
            Spec = new RolloutSpec
            {
                WorkloadRef = new WorkloadRef { ApiVersion = "apps/v1", Kind = "Deployment", Name = "a" },
                Strategy = new RolloutStrategy
                {
                    Canary = new CanaryStrategy
                    {
                        EnableExtraWorkloadForCanary = true,
                        TrafficRoutingRef = "lanes",
                        Steps =
                        [
                            new CanaryStep
                            {
                                Traffic = "50%",
                                Replicas = IntOrPercent.FromPercent(50),
                                Matches = [new HttpRouteMatch { Headers = [new HttpValueMatch { Name = "User-Agent", Value = "xiaoming" }], Path = new HttpPathMatch { Value = "/lost" } }],
                            },
                        ],
                    },
                },
            },
        };

        var alpha = RolloutConversion.ToV1Alpha1(beta);
        Assert.Equal(50, alpha.Spec.Strategy.Canary!.Steps[0].Weight);
        Assert.Equal("lanes", alpha.Metadata.Annotations![KruiseNames.TrafficRoutingAnnotation]);
        Assert.Equal("canary", alpha.Metadata.Annotations[KruiseNames.RollingStyleAnnotation]);

        var back = RolloutConversion.ToV1Beta1(alpha);
        Assert.Equal("a", back.Spec.WorkloadRef!.Name);
        Assert.True(back.Spec.Strategy.Canary!.EnableExtraWorkloadForCanary);
        Assert.Equal("lanes", back.Spec.Strategy.Canary.TrafficRoutingRef);
        Assert.Equal("50%", back.Spec.Strategy.Canary.Steps[0].Traffic);
        Assert.Equal("xiaoming", back.Spec.Strategy.Canary.Steps[0].Matches![0].Headers![0].Value);
        Assert.Null(back.Spec.Strategy.Canary.Steps[0].Matches![0].Path);
    }

    [Theory]
    [InlineData("1", false, 1)]
    [InlineData("\"50%\"", true, 50)]
    [InlineData("\"3\"", false, 3)]
    public void IntOrPercent_ReadsNumbersAndPercentages(string json, bool percent, int value)
    {
        var parsed = ApiJson.Read<IntOrPercent>(JsonNode.Parse(json));
        Assert.True(parsed.IsValid);
        Assert.Equal(percent, parsed.IsPercent);
        Assert.Equal(value, parsed.Value);
        Assert.Equal(json.Trim('"'), ApiJson.Write(parsed)!.ToJsonString().Trim('"'));
    }

    [Fact]
    public void IntOrPercent_Garbage_IsInvalidNotAnException()
    {
        var parsed = IntOrPercent.Parse("half");
        Assert.False(parsed.IsValid);
        Assert.Equal("half", parsed.ToString());
    }
}
