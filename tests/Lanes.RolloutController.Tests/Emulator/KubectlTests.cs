using System.Diagnostics;
using Lanes.Kubernetes.Emulator;
using Lanes.RolloutController.Tests.TestSupport;

namespace Lanes.RolloutController.Tests.Emulator;

/// <summary>
/// The real kubectl 1.35 against the emulator, as against an API server: discovery
/// (https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api), client-side apply
/// (https://kubernetes.io/docs/tasks/manage-kubernetes-objects/declarative-config/), server-side Tables with a CRD's
/// printer columns (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#additional-printer-columns),
/// status patches, delete and wait (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_wait/).
/// </summary>
public sealed class KubectlTests
{
    private static string Seed(string file) => Path.Combine(AppContext.BaseDirectory, "Seed", file);

    [KubectlFact]
    public async Task Standalone_WritesAKubeconfig_AndKubectlRunsTheSeedsManifests()
    {
        var directory = Directory.CreateTempSubdirectory("lanes-emulator-");
        var kubeconfig = Path.Combine(directory.FullName, "config");
        using var emulator = StartStandalone("--port", "0", "--kubeconfig", kubeconfig, "--crds", Path.Combine(AppContext.BaseDirectory, "crds"));
        try
        {
            await Eventually.WaitAsync(() => File.Exists(kubeconfig) && File.ReadAllText(kubeconfig).Contains("current-context", StringComparison.Ordinal), "the standalone emulator's kubeconfig");
            Assert.Contains("server: http://127.0.0.1:", File.ReadAllText(kubeconfig), StringComparison.Ordinal);

            // rollout.yaml is v1alpha1 and Rollouts are stored as v1beta1: the API server needs the controller's
            // conversion webhook to store it.
            await using var webhooks = await ControllerHost.StartWebhooksAsync(new k8s.Kubernetes(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig)));

            Assert.Contains("deployment.apps/spring-cloud-a created", await Kubectl.SucceedAsync(kubeconfig, "apply", "-f", Seed("mse-demo.yaml")), StringComparison.Ordinal);
            Assert.Contains("ingress.networking.k8s.io/spring-cloud-a created", await Kubectl.SucceedAsync(kubeconfig, "apply", "-f", Seed("mse-ingress.yaml")), StringComparison.Ordinal);
            var applied = await Kubectl.SucceedAsync(kubeconfig, "apply", "-f", Seed("rollout.yaml"));
            Assert.Contains("rollout.rollouts.kruise.io/rollout-a created", applied, StringComparison.Ordinal);
            Assert.Contains("trafficrouting.rollouts.kruise.io/mse-traffic created", applied, StringComparison.Ordinal);

            var table = await Kubectl.SucceedAsync(kubeconfig, "get", "rollouts", "-n", "default");
            var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(["NAME", "STATUS", "CANARY_STEP", "CANARY_STATE", "MESSAGE", "AGE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(["rollout-a", "rollout-b", "rollout-c"], lines[1..].Select(static l => l.Split(' ')[0]));

            // Re-applying unchanged is a no-op; an image change is a strategic merge patch of the Deployment.
            Assert.Contains("rollout.rollouts.kruise.io/rollout-a unchanged", await Kubectl.SucceedAsync(kubeconfig, "apply", "-f", Seed("rollout.yaml")), StringComparison.Ordinal);
            var changed = Path.Combine(directory.FullName, "mse-demo.yaml");
            File.WriteAllText(changed, File.ReadAllText(Seed("mse-demo.yaml")).Replace("spring-cloud-c:mse-2.0.0", "spring-cloud-c:mse-2.1.0", StringComparison.Ordinal));
            Assert.Contains("deployment.apps/spring-cloud-c configured", await Kubectl.SucceedAsync(kubeconfig, "apply", "-f", changed), StringComparison.Ordinal);
            Assert.EndsWith("spring-cloud-c:mse-2.1.0", await Kubectl.SucceedAsync(kubeconfig, "get", "deployment", "spring-cloud-c", "-o", "jsonpath={.spec.template.spec.containers[0].image}"), StringComparison.Ordinal);
        }
        finally
        {
            emulator.Kill(entireProcessTree: true);
            await emulator.WaitForExitAsync();
            directory.Delete(recursive: true);
        }
    }

    [KubectlFact]
    public async Task StatusPatch_Wait_AndDelete_WorkAsOnAnApiServer()
    {
        await using var cluster = await TestCluster.StartAsync();
        await using var webhooks = await ControllerHost.StartWebhooksAsync(cluster.Client);
        using var kubeconfig = new KubeconfigFile(cluster.Emulator);
        await Kubectl.SucceedAsync(kubeconfig.Path, "apply", "-f", Seed("rollout.yaml"));

        // kubectl wait streams the list (sendInitialEvents) and then watches: the status patch ends the wait.
        var waiting = Kubectl.RunAsync(kubeconfig.Path, "wait", "--for=jsonpath={.status.phase}=Healthy", "rollout/rollout-a", "--timeout=50s");
        await Kubectl.SucceedAsync(kubeconfig.Path, "patch", "rollout", "rollout-a", "--subresource=status", "--type=merge", "-p", """{"status":{"phase":"Healthy","message":"Rollout is Healthy"}}""");
        var (code, output, errors) = await waiting;
        Assert.True(code == 0, errors);
        Assert.Contains("condition met", output, StringComparison.Ordinal);

        var row = (await Kubectl.SucceedAsync(kubeconfig.Path, "get", "rollouts", "rollout-a", "--no-headers")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["rollout-a", "Healthy", "Rollout", "is", "Healthy"], row[..5]);

        // A strategic merge patch is refused for custom resources, as the API server refuses it (415).
        var (smp, _, smpErrors) = await Kubectl.RunAsync(kubeconfig.Path, "patch", "rollout", "rollout-a", "-p", """{"spec":{"disabled":true}}""");
        Assert.NotEqual(0, smp);
        Assert.Contains("application/strategic-merge-patch+json is not supported", smpErrors, StringComparison.Ordinal);

        Assert.Contains("deleted", await Kubectl.SucceedAsync(kubeconfig.Path, "delete", "rollout", "rollout-b", "--wait=true"), StringComparison.Ordinal);
        Assert.Null(cluster.Rollout("rollout-b"));
        var deleting = Kubectl.RunAsync(kubeconfig.Path, "wait", "--for=delete", "rollout/rollout-c", "--timeout=50s");
        await Kubectl.SucceedAsync(kubeconfig.Path, "delete", "rollout", "rollout-c", "--wait=false");
        Assert.Equal(0, (await deleting).ExitCode);
    }

    [KubectlFact]
    public async Task WithoutItsCrd_ARolloutIsUnknown()
    {
        // https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#create-a-customresourcedefinition:
        // the resource path exists only once the CRD is created.
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var kubeconfig = new KubeconfigFile(emulator);
        var (code, _, errors) = await Kubectl.RunAsync(kubeconfig.Path, "apply", "-f", Seed("rollout.yaml"));
        Assert.NotEqual(0, code);
        Assert.Contains("no matches for kind \"Rollout\" in version \"rollouts.kruise.io/v1alpha1\"", errors, StringComparison.Ordinal);
        (code, _, errors) = await Kubectl.RunAsync(kubeconfig.Path, "get", "rollouts");
        Assert.NotEqual(0, code);
        Assert.Contains("the server doesn't have a resource type \"rollouts\"", errors, StringComparison.Ordinal);

        emulator.InstallCrds();
        Assert.Contains("No resources found", (await Kubectl.RunAsync(kubeconfig.Path, "get", "rollouts")).Errors, StringComparison.Ordinal);
    }

    private static Process StartStandalone(params string[] arguments)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Lanes.Kubernetes.Emulator.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The emulator's kubeconfig in a temporary directory kubectl can read (with its own discovery cache).</summary>
    private sealed class KubeconfigFile : IDisposable
    {
        private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("lanes-kubectl-");

        public KubeconfigFile(KubernetesEmulator emulator)
        {
            Path = System.IO.Path.Combine(_directory.FullName, "config");
            File.WriteAllText(Path, emulator.KubeConfig());
        }

        public string Path { get; }

        public void Dispose() => _directory.Delete(recursive: true);
    }
}
