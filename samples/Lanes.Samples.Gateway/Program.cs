using Lanes.Samples.Gateway;

SampleGateway.CreateApp(args).Run();
