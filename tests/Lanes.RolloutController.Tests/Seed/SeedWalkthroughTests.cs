using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.RolloutController.Tests.Seed;

/// <summary>
/// The seed's walkthrough as a user types it, with the real kubectl 1.35 only: the standalone emulator
/// (<c>Lanes.Kubernetes.Emulator --port 0 --kubeconfig</c>) and the controller are processes, the controller run out of
/// cluster against the emulator's kubeconfig with <c>--Lanes:RolloutController:Webhooks:LocalUrl</c>, so the API server
/// converts the seed's v1alpha1 Rollouts through its conversion webhook and sends Deployment updates to its mutating
/// webhook (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definition-versioning/#webhook-conversion,
/// https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/).
/// </summary>
public sealed partial class SeedWalkthroughTests
{
    private const string Ns = "default";
    private const string PausedMessage = "Rollout is in step(1/1), and you need manually confirm to enter the next step";
    private const string Images = "registry.cn-hangzhou.aliyuncs.com/mse-demo-hz/";
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);

    private static string Seed(string file) => Path.Combine(AppContext.BaseDirectory, "Seed", file);

    [KubectlFact]
    public async Task Walkthrough_ApplyTheSeed_ChangeImages_Approve_AndRollBack_WithKubectlOnly()
    {
        await using var run = await OutOfClusterRun.StartAsync("--Lanes:RolloutController:Webhooks:LocalUrl=https://127.0.0.1:0");
        var kubeconfig = run.Kubeconfig;
        var directory = run.Directory;
        try
        {

            // Out of cluster with LocalUrl, the controller points the CRD's conversion and its webhook configurations
            // at itself, with the CA bundle of the CA it made.
            var url = await WaitForAsync(kubeconfig, static o => o.StartsWith("https://127.0.0.1:", StringComparison.Ordinal), "get", "crd", "rollouts.rollouts.kruise.io", "-o", "jsonpath={.spec.conversion.webhook.clientConfig.url}");
            Assert.EndsWith("/convert", url, StringComparison.Ordinal);
            Assert.NotEmpty(await Kubectl.SucceedAsync(kubeconfig, "get", "crd", "rollouts.rollouts.kruise.io", "-o", "jsonpath={.spec.conversion.webhook.clientConfig.caBundle}"));
            await WaitForAsync(kubeconfig, static o => o.StartsWith("https://127.0.0.1:", StringComparison.Ordinal), "get", "mutatingwebhookconfiguration", "lanes-rollout-controller", "-o", "jsonpath={.webhooks[0].clientConfig.url}");

            // Deploy: the seed's three files, verbatim. rollout.yaml is v1alpha1; Rollouts are stored as v1beta1.
            Assert.Contains("deployment.apps/spring-cloud-a created", await Kubectl.SucceedAsync(kubeconfig, "apply", "-f", Seed("mse-demo.yaml")), StringComparison.Ordinal);
            Assert.Contains("ingress.networking.k8s.io/spring-cloud-a created", await Kubectl.SucceedAsync(kubeconfig, "apply", "-f", Seed("mse-ingress.yaml")), StringComparison.Ordinal);
            var rollouts = await Kubectl.SucceedAsync(kubeconfig, "apply", "-f", Seed("rollout.yaml"));
            Assert.Contains("rollout.rollouts.kruise.io/rollout-a created", rollouts, StringComparison.Ordinal);
            Assert.Contains("trafficrouting.rollouts.kruise.io/mse-traffic created", rollouts, StringComparison.Ordinal);
            Assert.Equal("spring-cloud-a", await Kubectl.SucceedAsync(kubeconfig, "get", "rollouts.v1beta1.rollouts.kruise.io", "rollout-a", "-n", Ns, "-o", "jsonpath={.spec.workloadRef.name}"));
            Assert.Equal("spring-cloud-a", await Kubectl.SucceedAsync(kubeconfig, "get", "rollouts.v1alpha1.rollouts.kruise.io", "rollout-a", "-n", Ns, "-o", "jsonpath={.spec.objectRef.workloadRef.name}"));

            // "If the output shows STATUS=Healthy, the Rollout resources are ready."
            await WaitAsync(kubeconfig, "--for=jsonpath={.status.phase}=Healthy", "rollout/rollout-a", "rollout/rollout-b", "rollout/rollout-c");

            // Between releases no Deployment is paused: nothing gates them but the webhook on the next update.
            foreach (var app in new[] { "spring-cloud-a", "spring-cloud-b", "spring-cloud-c" })
            {
                Assert.NotEqual("true", await Kubectl.SucceedAsync(kubeconfig, "get", "deployment", app, "-n", Ns, "-o", "jsonpath={.spec.paused}"));
            }

            // Trigger a canary release: A and C to mse-2.0.1 in mse-demo.yaml, applied again. The mutating webhook holds
            // A and C in the same request: the API server's answer to the apply already has them paused.
            var released = Path.Combine(directory, "mse-demo.yaml");
            File.WriteAllText(released, WithImages("mse-2.0.1", "mse-2.0.1"));
            var applied = JsonNode.Parse(await Kubectl.SucceedAsync(kubeconfig, "apply", "-f", released, "-o", "json"))!;
            Assert.True(AppliedDeployment(applied, "spring-cloud-a")["spec"]!["paused"]!.GetValue<bool>());
            Assert.True(AppliedDeployment(applied, "spring-cloud-c")["spec"]!["paused"]!.GetValue<bool>());
            Assert.NotNull(AppliedDeployment(applied, "spring-cloud-a")["metadata"]!["annotations"]!["rollouts.kruise.io/in-progressing"]);
            Assert.NotEqual(true, AppliedDeployment(applied, "spring-cloud-b")["spec"]!["paused"]?.GetValue<bool>());

            // "Check the Rollout progress": the seed's columns and values.
            await WaitAsync(kubeconfig, "--for=jsonpath={.status.currentStepState}=StepPaused", "rollout/rollout-a", "rollout/rollout-c");
            foreach (var name in new[] { "rollout-a", "rollout-c" })
            {
                var row = await RowAsync(kubeconfig, name);
                Assert.Equal(["NAME", "STATUS", "CANARY_STEP", "CANARY_STATE", "MESSAGE", "AGE"], row.Keys);
                Assert.Equal([name, "Progressing", "1", "StepPaused", PausedMessage], row.Values.Take(5));
                Assert.Matches(AgeFormat(), row["AGE"]);
            }

            // A v1alpha1 reader (kubectl-kruise, Argo CD) sees the same release through the conversion webhook.
            Assert.Equal("StepPaused", await Kubectl.SucceedAsync(kubeconfig, "get", "rollouts.v1alpha1.rollouts.kruise.io", "rollout-a", "-n", Ns, "-o", "jsonpath={.status.canaryStatus.currentStepState}"));
            Assert.Equal("Healthy", (await RowAsync(kubeconfig, "rollout-b"))["STATUS"]);

            // Approve A as Kruise documents it: a merge patch of the status subresource. The release finishes.
            Assert.Contains("rollout.rollouts.kruise.io/rollout-a patched", await Kubectl.SucceedAsync(kubeconfig,
                "patch", "rollout", "rollout-a", "-n", Ns, "--subresource=status", "--type=merge", "-p", """{"status":{"canaryStatus":{"currentStepState":"StepReady"}}}"""), StringComparison.Ordinal);
            await WaitAsync(kubeconfig, "--for=jsonpath={.status.phase}=Healthy", "rollout/rollout-a");
            Assert.Equal("Healthy", (await RowAsync(kubeconfig, "rollout-a"))["STATUS"]);
            Assert.Equal(Images + "spring-cloud-a:mse-2.0.1", await Kubectl.SucceedAsync(kubeconfig, "get", "deployment", "spring-cloud-a", "-n", Ns, "-o", "jsonpath={.spec.template.spec.containers[0].image}"));
            await WaitForAsync(kubeconfig, static o => o.Length == 0, "get", "deployments", "-n", Ns, "-l", "rollouts.kruise.io/canary-deployment=spring-cloud-a", "-o", "name");
            await WaitForAsync(kubeconfig, static o => o != "true", "get", "deployment", "spring-cloud-a", "-n", Ns, "-o", "jsonpath={.spec.paused}");

            // Roll back C: its old image in mse-demo.yaml, applied again (A keeps the approved one). Kruise cancels the
            // release and the Rollout is Healthy again, with C's stable pods untouched and no canary left.
            var rolledBack = Path.Combine(directory, "mse-demo-rollback.yaml");
            File.WriteAllText(rolledBack, WithImages("mse-2.0.1", "mse-2.0.0"));
            var stablePodsOfC = await Kubectl.SucceedAsync(kubeconfig, "get", "pods", "-n", Ns, "-l", "app=spring-cloud-c,!alicloud.service.tag", "-o", "jsonpath={.items[*].metadata.name}");
            Assert.Contains("deployment.apps/spring-cloud-c configured", await Kubectl.SucceedAsync(kubeconfig, "apply", "-f", rolledBack), StringComparison.Ordinal);
            await WaitAsync(kubeconfig, "--for=jsonpath={.status.phase}=Healthy", "rollout/rollout-c");
            Assert.Equal("Healthy", (await RowAsync(kubeconfig, "rollout-c"))["STATUS"]);
            await WaitForAsync(kubeconfig, static o => o.Length == 0, "get", "deployments", "-n", Ns, "-l", "rollouts.kruise.io/canary-deployment=spring-cloud-c", "-o", "name");
            await WaitForAsync(kubeconfig, static o => o != "true", "get", "deployment", "spring-cloud-c", "-n", Ns, "-o", "jsonpath={.spec.paused}");
            Assert.Equal(Images + "spring-cloud-c:mse-2.0.0", await Kubectl.SucceedAsync(kubeconfig, "get", "deployment", "spring-cloud-c", "-n", Ns, "-o", "jsonpath={.spec.template.spec.containers[0].image}"));
            var podsOfC = await Kubectl.SucceedAsync(kubeconfig, "get", "pods", "-n", Ns, "-l", "app=spring-cloud-c,!alicloud.service.tag", "-o", "jsonpath={.items[*].metadata.name}");
            Assert.True(stablePodsOfC == podsOfC, $"stable pods of C before the rollback: {stablePodsOfC}; after: {podsOfC}\n" +
                await Kubectl.SucceedAsync(kubeconfig, "get", "replicasets,deployments", "-n", Ns, "-l", "app=spring-cloud-c", "-o", "yaml"));

            // On shutdown (SIGTERM, as Kubernetes stops a pod) the controller puts back what it pointed at itself.
            Assert.Equal(0, await run.Controller.TerminateAsync(ProcessTimeout));
            Assert.Equal("lanes-rollout-controller-webhook", await Kubectl.SucceedAsync(kubeconfig, "get", "crd", "rollouts.rollouts.kruise.io", "-o", "jsonpath={.spec.conversion.webhook.clientConfig.service.name}"));
            Assert.Empty(await Kubectl.SucceedAsync(kubeconfig, "get", "crd", "rollouts.rollouts.kruise.io", "-o", "jsonpath={.spec.conversion.webhook.clientConfig.url}"));
            Assert.Empty(await Kubectl.SucceedAsync(kubeconfig, "get", "mutatingwebhookconfigurations,validatingwebhookconfigurations", "-o", "name"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{run.Describe()}", e);
        }
    }

    [Fact]
    public async Task OutOfCluster_WithoutLocalUrl_SaysAtStartWhichWebhooksAreInactive()
    {
        await using var run = await OutOfClusterRun.StartAsync();
        await run.Controller.WaitForOutputAsync("Webhooks inactive (no certificate source", ProcessTimeout);
        Assert.True(run.Controller.Wrote("mdeployment.rollouts.lanes.dev"), run.Controller.Output);
        Assert.True(run.Controller.Wrote("Lanes:RolloutController:Webhooks:LocalUrl=https://127.0.0.1:<port>"), run.Controller.Output);
    }

    // mse-demo.yaml with the images of A and C set to the given tags (B and everything else as in the seed).
    private static string WithImages(string a, string c) => File.ReadAllText(Seed("mse-demo.yaml"))
        .Replace("spring-cloud-a:mse-2.0.0", "spring-cloud-a:" + a, StringComparison.Ordinal)
        .Replace("spring-cloud-c:mse-2.0.0", "spring-cloud-c:" + c, StringComparison.Ordinal);

    private static JsonObject AppliedDeployment(JsonNode applied, string name) =>
        (applied["items"] as JsonArray ?? [applied]).OfType<JsonObject>().Single(i => i["kind"]?.GetValue<string>() == "Deployment" && i["metadata"]?["name"]?.GetValue<string>() == name);

    // `kubectl get rollouts <name> -n default`: its one row, cell by column, cut where the header's columns start.
    private static async Task<Dictionary<string, string>> RowAsync(string kubeconfig, string name)
    {
        var lines = (await Kubectl.SucceedAsync(kubeconfig, "get", "rollouts", name, "-n", Ns)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var columns = HeaderColumn().Matches(lines[0]);
        var row = new Dictionary<string, string>();
        for (var i = 0; i < columns.Count; i++)
        {
            var start = columns[i].Index;
            var end = i + 1 < columns.Count ? columns[i + 1].Index : lines[1].Length;
            row[columns[i].Value] = start >= lines[1].Length ? "" : lines[1][start..Math.Min(end, lines[1].Length)].Trim();
        }

        return row;
    }

    // `kubectl wait` for Rollouts, bounded.
    private static async Task WaitAsync(string kubeconfig, string condition, params string[] objects)
    {
        var (code, output, errors) = await Kubectl.RunAsync(kubeconfig, ["wait", condition, .. objects, "-n", Ns, "--timeout=50s"]);
        if (code != 0)
        {
            var state = await Kubectl.RunAsync(kubeconfig, "get", "rollouts", "-n", Ns, "-o", "yaml");
            Assert.Fail($"kubectl wait {condition} {string.Join(' ', objects)} exited with {code}: {errors}{output}\n{state.Output}");
        }
    }

    // Polls a kubectl command until its output satisfies the condition (60 s at most).
    private static async Task<string> WaitForAsync(string kubeconfig, Func<string, bool> condition, params string[] arguments)
    {
        var deadline = DateTime.UtcNow + ProcessTimeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var (code, output, errors) = await Kubectl.RunAsync(kubeconfig, arguments);
            last = code == 0 ? output : errors;
            if (code == 0 && condition(output))
            {
                return output;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"kubectl {string.Join(' ', arguments)} did not give the expected output within {ProcessTimeout.TotalSeconds} s; last: {last}");
        return last;
    }

    /// <summary>
    /// The standalone emulator (port 0, writing a kubeconfig into a fresh directory, the repository's CRDs installed) and
    /// the controller run against it out of cluster (<c>KUBECONFIG</c>) with <paramref name="controllerArguments"/>; both
    /// killed and the directory removed on dispose.
    /// </summary>
    private sealed class OutOfClusterRun : IAsyncDisposable
    {
        private readonly DirectoryInfo _directory = System.IO.Directory.CreateTempSubdirectory("lanes-out-of-cluster-");
        private DotnetProcess? _emulator;
        private DotnetProcess? _controller;

        private OutOfClusterRun() => Kubeconfig = Path.Combine(_directory.FullName, "config");

        public string Directory => _directory.FullName;

        public string Kubeconfig { get; }

        public DotnetProcess Controller => _controller!;

        public static async Task<OutOfClusterRun> StartAsync(params string[] controllerArguments)
        {
            var run = new OutOfClusterRun();
            try
            {
                run._emulator = DotnetProcess.Start("Lanes.Kubernetes.Emulator.dll", null, "--port", "0", "--kubeconfig", run.Kubeconfig, "--crds", Path.Combine(AppContext.BaseDirectory, "crds"));
                await run._emulator.WaitForOutputAsync("Kubernetes API emulator serving on", ProcessTimeout);
                run._controller = DotnetProcess.Start("Lanes.RolloutController.dll", new Dictionary<string, string> { ["KUBECONFIG"] = run.Kubeconfig }, controllerArguments);
                return run;
            }
            catch
            {
                await run.DisposeAsync();
                throw;
            }
        }

        /// <summary>What both processes wrote (the last 20,000 characters of each), for a failure message.</summary>
        public string Describe() => $"--- controller output ---\n{Tail(_controller)}\n--- emulator output ---\n{Tail(_emulator)}";

        public async ValueTask DisposeAsync()
        {
            if (_controller is not null)
            {
                await _controller.DisposeAsync();
            }

            if (_emulator is not null)
            {
                await _emulator.DisposeAsync();
            }

            _directory.Delete(recursive: true);
        }

        private static string Tail(DotnetProcess? process)
        {
            var output = process?.Output ?? "";
            return output.Length <= 20_000 ? output : output[^20_000..];
        }
    }

    [GeneratedRegex(@"\S+")]
    private static partial Regex HeaderColumn();

    // kubectl's AGE column (HumanDuration): 45s, 3m7s, 12m, 2h5m...
    [GeneratedRegex(@"^\d+[smhd](\d+[smh])?$")]
    private static partial Regex AgeFormat();
}
