using Lanes.Nacos.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lanes.Nacos.Transport;

/// <summary>
/// At start, chooses the transport and makes one authenticated read, so a configuration Nacos will never accept
/// stops the host with one clear error naming the keys to set: a server that requires authentication while no
/// credentials are configured, or a login the server refuses. A server that does not answer within
/// <see cref="NacosOptions.RequestTimeout"/> does not hold up the start: the client keeps trying in the background.
/// </summary>
internal sealed partial class NacosStartupCheck(
    NacosTransportSelector selector,
    IOptions<NacosOptions> options,
    TimeProvider timeProvider,
    ILogger<NacosStartupCheck> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var value = options.Value;
        using var timeout = new CancellationTokenSource(value.RequestTimeout * 2, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var transport = await selector.GetAsync(linked.Token).ConfigureAwait(false);
            await transport.ProbeAsync(new NacosServiceName(value.GroupName, selector.ProbeServiceName), linked.Token).ConfigureAwait(false);
        }
        catch (NacosAuthenticationException ex) when (ex.ConfigurationError)
        {
            // Nothing this process does with Nacos can work: stop here, saying what to configure.
            throw new InvalidOperationException(ex.Message, ex);
        }
        catch (NacosAuthenticationException ex)
        {
            // Credentials the server accepts but a read it refuses (permissions): reported, and the start goes on.
            Log.ProbeRefused(logger, ex.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Log.NotYetConnected(logger, value.RequestTimeout * 2);
        }
        catch (NacosException ex)
        {
            Log.ProbeFailed(logger, ex.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
