#!/usr/bin/env bash
# Load through the whole demo chain (gateway -> A -> B -> C, six processes on loopback) and report throughput,
# latency percentiles and misroutes per lane. Bounded: at most REQUESTS requests and SECONDS seconds.
# Usage: bash benchmarks/load.sh [REQUESTS] [CONCURRENCY] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-20000}
concurrency=${2:-16}
seconds=${3:-120}
gateway_port=${GATEWAY_PORT:-28080}
service_port=${SERVICE_PORT:-28081}

dotnet build -c Release samples/Lanes.Demo -v q -nologo >/dev/null
dotnet build -c Release benchmarks/Lanes.LoadTest -v q -nologo >/dev/null
dotnet artifacts/bin/Lanes.Demo/release/Lanes.Demo.dll --gateway-port "$gateway_port" --service-port "$service_port" > artifacts/load-demo.log 2>&1 &
demo=$!
trap 'kill -INT $demo 2>/dev/null; wait $demo 2>/dev/null || true' EXIT

for _ in $(seq 1 120); do
  grep -q '^Serving' artifacts/load-demo.log && break
  kill -0 $demo 2>/dev/null || { cat artifacts/load-demo.log; exit 1; }
  sleep 0.5
done
grep -q '^Serving' artifacts/load-demo.log || { echo "demo did not start"; cat artifacts/load-demo.log; exit 1; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), .NET $(dotnet --version)"
dotnet artifacts/bin/Lanes.LoadTest/release/Lanes.LoadTest.dll "http://127.0.0.1:$gateway_port" --requests "$requests" --concurrency "$concurrency" --seconds "$seconds"
