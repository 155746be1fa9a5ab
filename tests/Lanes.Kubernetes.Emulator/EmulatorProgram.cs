using System.Globalization;

namespace Lanes.Kubernetes.Emulator;

/// <summary>
/// Standalone mode: <c>dotnet run --project tests/Lanes.Kubernetes.Emulator -- --port &lt;p&gt; --kubeconfig &lt;file&gt;</c>
/// serves the emulator on 127.0.0.1 and writes a kubeconfig for kubectl or the controller process, until stopped
/// (Ctrl+C or SIGTERM). <c>--crds &lt;dir&gt;</c> installs the <c>crd-*.yaml</c> files of a directory first;
/// <c>--namespace</c> sets the kubeconfig's namespace.
/// </summary>
internal static class EmulatorProgram
{
    public static async Task<int> Main(string[] args)
    {
        var options = new EmulatorOptions();
        string? kubeconfig = null, crds = null;
        var ns = "default";
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535:
                    options.Port = port;
                    i++;
                    break;
                case "--kubeconfig" when value is not null:
                    kubeconfig = value;
                    i++;
                    break;
                case "--crds" when value is not null:
                    crds = value;
                    i++;
                    break;
                case "--namespace" when value is not null:
                    ns = value;
                    i++;
                    break;
                default:
                    await Console.Error.WriteLineAsync($"unknown or incomplete argument '{args[i]}'. Usage: --port <port> --kubeconfig <file> [--crds <dir>] [--namespace <ns>]").ConfigureAwait(false);
                    return 2;
            }
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });

        await using var emulator = await KubernetesEmulator.StartAsync(options).ConfigureAwait(false);
        if (crds is not null)
        {
            emulator.InstallCrds(crds);
        }

        if (kubeconfig is not null)
        {
            // As the cluster admin (system:admin): clients such as KubernetesClient refuse a kubeconfig user without credentials.
            await File.WriteAllTextAsync(kubeconfig, emulator.KubeConfig(ns, RbacAuthorizer.Admin) + Environment.NewLine).ConfigureAwait(false);
        }

        Console.WriteLine($"Kubernetes API emulator serving on {emulator.BaseAddress}" + (kubeconfig is null ? "" : $" (kubeconfig: {kubeconfig})"));
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        return 0;
    }
}
