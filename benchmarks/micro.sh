#!/usr/bin/env bash
# The microbenchmarks side by side, one class at a time, then the microbenchmark section of benchmarks/RESULTS.md
# regenerated from every class measured so far (artifacts/bdn/<class>/), with the issue's targets checked.
# Usage: [SECTION=name] bash benchmarks/micro.sh [JOB] [CLASS...]
#   JOB     BenchmarkDotNet job: medium (default), short, long, dry.
#   CLASS   benchmark classes; default: every class of the side-by-side comparison.
#   SECTION the RESULTS.md section the classes go to: micro (default), metrics (issue 12's request metrics by lane,
#           RequestMetricsBenchmark) or scale (NacosRefreshBenchmarks and LaneIndexBenchmark at 100 to 10,000 instances),
#           kept apart so one section's rerun never drops another's tables.
# The in-process toolchain (InProcessEmit) runs the benchmarks: a generated project per class takes minutes to build on
# a busy 2-core machine, and the in-process figures are the same code path (Polly's published figures use it too).
# RoutingHandlerBenchmark is the exception: its targets are ratios between its cases, and one process's state (code
# layout, tiering) moves a case by up to half for the same code, so it runs out of process, LAUNCHES processes
# (default 10, about 18 minutes) of 6 warm-up and 8 measured iterations each, and its figures are over all of them.
# While a class runs, the 1-minute load average is sampled every 5 s and shown next to its table.
set -euo pipefail
cd "$(dirname "$0")/.."
job=${1:-medium}
section=${SECTION:-micro}
shift || true
classes=("$@")
[ ${#classes[@]} -gt 0 ] || classes=(RoutingHandlerBenchmark PropagationBenchmark BreakDetectionBenchmark LaneMiddlewareBenchmark EntryRulesBenchmark SelectionBenchmark)

dotnet build -c Release benchmarks/Lanes.Benchmarks -v q -nologo >/dev/null
bench=artifacts/bin/Lanes.Benchmarks/release/Lanes.Benchmarks.dll
root=$(pwd)/artifacts/bdn
[ "$section" = micro ] || root=$(pwd)/artifacts/bdn-$section
status=0
for class in "${classes[@]}"; do
  dir=$root/$class
  rm -rf "$dir" && mkdir -p "$dir"
  if [ "$class" = RoutingHandlerBenchmark ] && [ "$job" != dry ]; then
    launches=${LAUNCHES:-10}
    echo "of $launches processes (out of process), 6 warm-up and 8 measured iterations each" > "$dir/job.txt"
    where=benchmarks/Lanes.Benchmarks   # out of process, BenchmarkDotNet builds the benchmark project found here
    toolchain=(--launchCount "$launches" --warmupCount 6 --iterationCount 8)
  else
    echo "$job, in process" > "$dir/job.txt"
    where=$dir
    toolchain=(--job "$job" --inProcess)
  fi
  if [ "$section" = micro ]; then echo "bash benchmarks/micro.sh $job $class"; else echo "SECTION=$section bash benchmarks/micro.sh $job $class"; fi > "$dir/command.txt"
  ( while :; do cut -d' ' -f1 /proc/loadavg >> "$dir/load.log"; sleep 5; done ) &
  sampler=$!
  (cd "$where" && dotnet "$OLDPWD/$bench" --filter "*.$class.*" "${toolchain[@]}" --exporters json --artifacts "$dir") || status=1
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
done

dotnet "$bench" report-micro "$root" "$section"
exit $status
