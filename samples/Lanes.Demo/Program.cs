using System.Runtime.InteropServices;
using Lanes.Demo;

if (args.Length > 0 && args[0] == "token")
{
    return TokenCommand.Run(args);
}

DemoOptions options;
try
{
    options = DemoOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

using var stop = new CancellationTokenSource();
using var chain = new DemoChain(options);

// Every way out of the demo stops its children first.
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => { c.Cancel = true; stop.Cancel(); });
AppDomain.CurrentDomain.ProcessExit += (_, _) => chain.Dispose();

try
{
    chain.CheckPortsFree();
    Console.WriteLine($"Starting the gateway on {chain.GatewayUri} and A, A(gray), B, C, C(gray) on ports {options.FirstServicePort}-{options.FirstServicePort + 4}"
        + (options.Nacos is null ? " (discovery: configuration)..." : $" (discovery: Nacos at {options.Nacos})..."));
    await chain.StartAsync(stop.Token);

    using var client = new HttpClient { BaseAddress = chain.GatewayUri, Timeout = TimeSpan.FromSeconds(10) };

    // With Nacos, registrations take a moment to reach every caller: ask until both answers are right, for a while.
    var (baseAnswer, grayAnswer) = await chain.AskAsync(client, stop.Token);
    Console.WriteLine($"$ curl {chain.GatewayUri}a");
    Console.WriteLine(baseAnswer);
    Console.WriteLine($"$ curl {chain.GatewayUri}a -H \"User-Agent: xiaoming\"");
    Console.WriteLine(grayAnswer);

    var correct = baseAnswer == chain.ExpectedBase && grayAnswer == chain.ExpectedGray;
    if (!correct)
    {
        Console.Error.WriteLine($"Unexpected answers. Expected:\n{chain.ExpectedBase}\n{chain.ExpectedGray}");
    }

    if (options.Once)
    {
        return correct ? 0 : 1;
    }

    Console.WriteLine("Serving. Try the curl commands above; press Ctrl+C to stop.");
    while (!stop.IsCancellationRequested)
    {
        if (chain.ExitedChild() is { } exited)
        {
            Console.Error.WriteLine($"{exited.Label} stopped unexpectedly (exit code {exited.ExitCode}):\n{exited.RecentOutput()}");
            return 1;
        }

        await Task.Delay(500, stop.Token).ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    Console.WriteLine("Stopping.");
    return 0;
}
catch (DemoException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.WriteLine("Stopping.");
    return 0;
}
catch (HttpRequestException ex)
{
    Console.Error.WriteLine($"The gateway did not answer: {ex.Message}");
    return 1;
}
finally
{
    chain.Dispose();
}
