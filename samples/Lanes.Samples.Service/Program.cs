using Lanes.Samples.Service;

SampleService.CreateApp(args).Run();
