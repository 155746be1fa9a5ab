#!/usr/bin/env bash
# The rollout controller reconciling many Rollouts in the Kubernetes emulator (issue 15, scale): time per reconcile pass
# at start, idle and in a release of every Rollout at once, and the API calls of each phase. Bounded: each phase stops
# after 5 minutes at most (3 for idle). Exit code 1 when a phase did not finish or an idle pass called the API.
# Usage: [RESULTS=1] bash benchmarks/controller.sh [ROLLOUTS]
#   RESULTS=1 also rewrites the "controller" section of benchmarks/RESULTS.md from this run.
set -euo pipefail
cd "$(dirname "$0")/.."
rollouts=${1:-200}
out=artifacts/controller-bench.md
dotnet build -c Release benchmarks/Lanes.ControllerBench -v q -nologo >/dev/null
status=0
dotnet artifacts/bin/Lanes.ControllerBench/release/Lanes.ControllerBench.dll --rollouts "$rollouts" > "$out" || status=1
cat "$out"
if [ "${RESULTS:-0}" = 1 ] && [ "$status" = 0 ]; then
  dotnet build -c Release benchmarks/Lanes.Benchmarks -v q -nologo >/dev/null
  dotnet artifacts/bin/Lanes.Benchmarks/release/Lanes.Benchmarks.dll report-section controller "$out"
fi
exit $status
