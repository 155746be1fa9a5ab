using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Lanes.Benchmarks.Reporting;

// Report commands, run by benchmarks/micro.sh and benchmarks/chain.sh, write sections of benchmarks/RESULTS.md.
if (args is ["report-micro", var root, .. var section])
{
    return MicroReport.Run(root, section is [var name] ? name : "micro");
}

if (args is ["report-chain", var directory, var machine, var chainCommand])
{
    return ChainReport.Run(directory, machine, chainCommand);
}

// A section another program measured and printed (benchmarks/controller.sh), written as it is.
if (args is ["report-section", var sectionName, var file])
{
    ResultsFile.WriteSection(sectionName, File.ReadAllText(file));
    return 0;
}

IEnumerable<Summary> summaries;
if (args is ["smoke", .. var rest])
{
    // CI: every benchmark once (BenchmarkDotNet's Dry job: one invocation, no warm-up), in process, so a benchmark whose
    // setup or call breaks fails the build. It runs on the solution's Debug build, hence no optimization check.
    var smoke = DefaultConfig.Instance
        .AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance).AsDefault())
        .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.JoinSummary);
    summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest.Contains("--filter") ? rest : [.. rest, "--filter", "*"], smoke);
}
else
{
    // The generated benchmark project builds slowly on a busy shared machine: allow it more than BenchmarkDotNet's 2 minutes.
    summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(10)));
}

// A benchmark that failed (setup threw, no result) fails the run, so the CI smoke run catches a benchmark that rotted.
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
