using Lanes.Samples;
using Lanes.Samples.Gateway;

var app = SampleGateway.CreateApp(args);
ParentWatch.Start(app);
app.Run();
