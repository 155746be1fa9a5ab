#!/usr/bin/env bash
# Load through the whole demo chain (gateway -> A -> B -> C, six processes on loopback) and report throughput,
# latency percentiles and misroutes per lane. Bounded: at most REQUESTS requests and SECONDS seconds.
# Usage: bash benchmarks/load.sh [REQUESTS] [CONCURRENCY] [SECONDS]
# RELOAD_MS=<ms>: the gateway also reads a rules directory, and a strategy file in it is rewritten (write, then rename,
# as a ConfigMap update swaps its files) every <ms> milliseconds while the load runs; the rule set version in force is
# printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-20000}
concurrency=${2:-16}
seconds=${3:-120}
gateway_port=${GATEWAY_PORT:-28080}
service_port=${SERVICE_PORT:-28081}
reload_ms=${RELOAD_MS:-0}
rules_dir="$(pwd)/artifacts/load-rules"
rules_args=()
if [ "$reload_ms" -gt 0 ]; then
  rm -rf "$rules_dir" && mkdir -p "$rules_dir"
  rules_args=(--rules-dir "$rules_dir")
fi

dotnet build -c Release samples/Lanes.Demo -v q -nologo >/dev/null
dotnet build -c Release benchmarks/Lanes.LoadTest -v q -nologo >/dev/null
dotnet artifacts/bin/Lanes.Demo/release/Lanes.Demo.dll --gateway-port "$gateway_port" --service-port "$service_port" "${rules_args[@]}" > artifacts/load-demo.log 2>&1 &
demo=$!
# SIGTERM: a background job ignores SIGINT when the script is not interactive; the demo stops its children on either.
trap 'kill -TERM $demo 2>/dev/null; wait $demo 2>/dev/null || true' EXIT

for _ in $(seq 1 120); do
  grep -q '^Serving' artifacts/load-demo.log && break
  kill -0 $demo 2>/dev/null || { cat artifacts/load-demo.log; exit 1; }
  sleep 0.5
done
grep -q '^Serving' artifacts/load-demo.log || { echo "demo did not start"; cat artifacts/load-demo.log; exit 1; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), .NET $(dotnet --version)"
rewriter=""
if [ "$reload_ms" -gt 0 ]; then
  # Rules that never match the load's requests: what is measured is the cost of reloading under load.
  (
    end=$((SECONDS + seconds))
    i=0
    while [ $SECONDS -lt $end ]; do
      i=$((i + 1))
      printf '{"matches":[{"headers":[{"type":"Exact","name":"User-Agent","value":"tester-%d"}]}],"requestHeaderModifier":{"set":[{"name":"x-mse-tag","value":"gray"}]}}' "$i" > "$rules_dir/.tester.json.tmp"
      mv "$rules_dir/.tester.json.tmp" "$rules_dir/tester.json"
      sleep "$(awk "BEGIN { print $reload_ms / 1000 }")"
    done
  ) &
  rewriter=$!
fi

status=0
dotnet artifacts/bin/Lanes.LoadTest/release/Lanes.LoadTest.dll "http://127.0.0.1:$gateway_port" --requests "$requests" --concurrency "$concurrency" --seconds "$seconds" || status=$?
if [ -n "$rewriter" ]; then
  kill "$rewriter" 2>/dev/null || true
  wait "$rewriter" 2>/dev/null || true
  curl -s "http://127.0.0.1:$gateway_port/lanes.json" | grep -m1 '"version"' | sed 's/^ */rules in force: /'
fi
exit $status
