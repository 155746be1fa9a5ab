using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// The generated benchmark project builds slowly on a busy shared machine: allow it more than BenchmarkDotNet's 2 minutes.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(10)));
