using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddLanesRolloutController(builder.Configuration);
using var host = builder.Build();
await host.RunAsync().ConfigureAwait(false);
