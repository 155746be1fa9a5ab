// One service of the chain benchmark (benchmarks/chain.sh). Every design answers GET / with its own name followed by
// the answer of the next hop, so the script can check the path a base and a gray request took:
//   lanes      Lanes in process: the lane header read inbound, the next hop's instance picked by lane (AddTrafficLanes()).
//   discovery  Microsoft.Extensions.ServiceDiscovery without lanes: round robin over the next service's base instances.
//   sidecar    what a mesh does: the app forwards the lane header (ASP.NET Core header propagation) and calls its local
//              proxy (nginx), which picks the next hop's instance by the header.
// Configuration (command line): --Chain:Name, --Chain:Design, --Chain:Next (service name, or empty for the last hop),
// --Chain:Sidecar (the proxy's address, sidecar design), plus Lanes:Services:... or Services:... for the instances.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var name = builder.Configuration["Chain:Name"] ?? throw new InvalidOperationException("--Chain:Name is required");
var design = builder.Configuration["Chain:Design"] ?? "lanes";
var next = builder.Configuration["Chain:Next"] is { Length: > 0 } n ? n : null;

switch (design)
{
    case "lanes":
        builder.Services.AddTrafficLanes();
        builder.Services.AddHttpClient("next", c => c.BaseAddress = new Uri($"http://{next}")).AddTrafficLanes();
        break;
    case "discovery":
        builder.Services.AddServiceDiscovery();
        builder.Services.AddHttpClient("next", c => c.BaseAddress = new Uri($"http://{next}")).AddServiceDiscovery();
        break;
    case "sidecar":
        var sidecar = builder.Configuration["Chain:Sidecar"];
        builder.Services.AddHeaderPropagation(o => o.Headers.Add("x-mse-tag"));
        builder.Services.AddHttpClient("next", c => c.BaseAddress = new Uri($"http://{sidecar}")).AddHeaderPropagation();
        break;
    default:
        throw new InvalidOperationException($"--Chain:Design must be lanes, discovery or sidecar, not '{design}'");
}

var app = builder.Build();
if (design == "lanes")
{
    app.UseTrafficLanes();
}
else if (design == "sidecar")
{
    app.UseHeaderPropagation();
}

var client = next is null ? null : app.Services.GetRequiredService<IHttpClientFactory>();
app.MapGet("/", async context =>
{
    if (client is null)
    {
        await context.Response.WriteAsync(name);
        return;
    }

    using var http = client.CreateClient("next");
    var downstream = await http.GetStringAsync("/", context.RequestAborted);
    await context.Response.WriteAsync(string.Concat(name, ">", downstream));
});

app.Run();
