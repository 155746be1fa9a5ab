using Lanes.Samples;
using Lanes.Samples.Service;

var app = SampleService.CreateApp(args);
ParentWatch.Start(app);
app.Run();
