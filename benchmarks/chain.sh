#!/usr/bin/env bash
# The A -> B -> C chain under wrk, in three designs back to back with the same workload (half the requests
# `x-mse-tag: gray`), connections and duration:
#   lanes      Lanes in process at every hop;
#   discovery  plain Microsoft.Extensions.ServiceDiscovery, no lanes: round robin over every instance, canaries included
#              (the baseline of every ratio);
#   sidecar    every calling service behind its own nginx that picks the next hop's instance by x-mse-tag.
# Processes, all on loopback: gw (the entry the load hits) -> A | A-gray -> B -> C | C-gray; the gray path is
# gw > A-gray > B > C-gray. Reports throughput, p50, p99 (wrk) and CPU seconds per 1,000 requests (utime + stime from
# /proc of every chain process: services, nginx masters and workers; wrk itself not counted), as ratios against
# discovery, ROUNDS times, and the load average next to each round. Bounded: every wrk run is DURATION seconds; every
# process started is stopped on exit.
# Usage: bash benchmarks/chain.sh [ROUNDS] [DURATION_SECONDS] [CONNECTIONS]
#   WARMUP=seconds of load before each measured run (default 20); the designs run in a turning order, one after another.
#   RESULTS=1 also rewrites the chain section of benchmarks/RESULTS.md from this run.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
duration=${2:-10}
connections=${3:-16}
# Each run is measured after a warm-up under the same load: after 5 s, tiered compilation still took a fifth of the chain's
# CPU (libclrjit, perf record over every process), which measured the JIT rather than the designs.
warmup=${WARMUP:-20}
port0=${CHAIN_PORT:-29100}
out=artifacts/chain
rm -rf "$out" && mkdir -p "$out"

for tool in wrk nginx; do
  command -v "$tool" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin" command -v "$tool" >/dev/null 2>&1 || bash eng/install-tools.sh wrk nginx
done
export PATH="$PATH:/usr/sbin"
dotnet build -c Release benchmarks/Lanes.ChainBench -v q -nologo >/dev/null
app=artifacts/bin/Lanes.ChainBench/release/Lanes.ChainBench.dll
hz=$(getconf CLK_TCK)

# Ports: services, then one sidecar per calling service.
gw=$port0; a=$((port0 + 1)); ag=$((port0 + 2)); b=$((port0 + 3)); c=$((port0 + 4)); cg=$((port0 + 5))
gw_sc=$((port0 + 10)); a_sc=$((port0 + 11)); ag_sc=$((port0 + 12)); b_sc=$((port0 + 13))

pids=()
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap stop_all EXIT

service() { # name port design next [config...]
  local name=$1 port=$2 design=$3 next=$4
  shift 4
  DOTNET_gcServer=0 ASPNETCORE_URLS="http://127.0.0.1:$port" dotnet "$app" --Chain:Name="$name" --Chain:Design="$design" \
    --Chain:Next="$next" "$@" > "$out/$design-$name.log" 2>&1 &
  pids+=($!)
}

sidecar() { # name port next-service base-port gray-port|"" : an nginx routing by x-mse-tag, gray to the gray pool when it exists
  local name=$1 port=$2 svc=$3 base=$4 gray=$5 dir="$out/nginx-$1"
  mkdir -p "$dir/logs"
  {
    echo "worker_processes 1; daemon off; pid $(pwd)/$dir/nginx.pid; error_log $(pwd)/$dir/logs/error.log warn;"
    echo "events { worker_connections 1024; }"
    echo "http {"
    echo "  access_log off;"
    echo "  upstream ${svc}_base { server 127.0.0.1:$base; keepalive 64; }"
    [ -n "$gray" ] && echo "  upstream ${svc}_gray { server 127.0.0.1:$gray; keepalive 64; }"
    echo "  map \$http_x_mse_tag \$pool { default ${svc}_base; $([ -n "$gray" ] && echo "gray ${svc}_gray;") }"
    echo "  server { listen 127.0.0.1:$port; location / { proxy_pass http://\$pool; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"
    echo "}"
  } > "$dir/nginx.conf"
  nginx -p "$(pwd)/$dir" -c "$(pwd)/$dir/nginx.conf" &
  pids+=($!)
}

start() { # design
  case $1 in
    lanes)
      local lanes=(--Lanes:Services:a:0:Url=http://127.0.0.1:$a --Lanes:Services:a:1:Url=http://127.0.0.1:$ag --Lanes:Services:a:1:Lane=gray
                   --Lanes:Services:b:0:Url=http://127.0.0.1:$b
                   --Lanes:Services:c:0:Url=http://127.0.0.1:$c --Lanes:Services:c:1:Url=http://127.0.0.1:$cg --Lanes:Services:c:1:Lane=gray)
      service gw $gw lanes a "${lanes[@]}"; service A $a lanes b "${lanes[@]}"; service A-gray $ag lanes b "${lanes[@]}"
      service B $b lanes c "${lanes[@]}"; service C $c lanes "" "${lanes[@]}"; service C-gray $cg lanes "" "${lanes[@]}" ;;
    discovery)
      # Without lanes a service is all its instances: round robin over base and canary alike.
      local sd=(--Services:a:http:0=127.0.0.1:$a --Services:a:http:1=127.0.0.1:$ag --Services:b:http:0=127.0.0.1:$b
                --Services:c:http:0=127.0.0.1:$c --Services:c:http:1=127.0.0.1:$cg)
      service gw $gw discovery a "${sd[@]}"; service A $a discovery b "${sd[@]}"; service A-gray $ag discovery b "${sd[@]}"
      service B $b discovery c "${sd[@]}"; service C $c discovery "" "${sd[@]}"; service C-gray $cg discovery "" "${sd[@]}" ;;
    sidecar)
      sidecar gw $gw_sc a $a $ag; sidecar A $a_sc b $b ""; sidecar A-gray $ag_sc b $b ""; sidecar B $b_sc c $c $cg
      service gw $gw sidecar a --Chain:Sidecar=127.0.0.1:$gw_sc; service A $a sidecar b --Chain:Sidecar=127.0.0.1:$a_sc
      service A-gray $ag sidecar b --Chain:Sidecar=127.0.0.1:$ag_sc; service B $b sidecar c --Chain:Sidecar=127.0.0.1:$b_sc
      service C $c sidecar ""; service C-gray $cg sidecar "" ;;
  esac
  local answer=""
  for _ in $(seq 1 240); do
    answer=$(curl -s --max-time 2 "http://127.0.0.1:$gw/" || true)
    [ "${answer%C}" != "$answer" ] && break   # the chain answers once every hop is up
    sleep 0.25
  done
  [ -n "$answer" ] || { echo "the $1 chain did not start" >&2; tail -n 5 "$out"/*.log >&2; exit 1; }
}

# Every chain process: the services and nginx masters started here, and their children (nginx workers).
cpu_ticks() {
  local total=0 pid child stat
  for pid in "${pids[@]}"; do
    for child in $pid $(cat /proc/$pid/task/*/children 2>/dev/null); do
      stat=$(cat /proc/$child/stat 2>/dev/null) || continue
      stat=${stat##*) }   # fields after the command name; utime and stime are fields 14 and 15 of the whole line
      set -- $stat
      total=$((total + ${12} + ${13}))
    done
  done
  echo $total
}

cat > "$out/mixed.lua" <<'LUA'
-- Half the requests in the gray lane, interleaved.
local n = 0
request = function()
  n = n + 1
  if n % 2 == 0 then
    return wrk.format("GET", "/", { ["x-mse-tag"] = "gray" })
  end
  return wrk.format("GET", "/")
end
LUA

ms() { # wrk latency ("812.00us", "1.20ms", "2.01s") in milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n *= 1; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

wrk_version=$( (wrk -v 2>&1 || true) | head -1 | cut -d' ' -f1-2)
nginx_version=$( (nginx -v 2>&1 || true) | sed 's/.*: //')
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), .NET SDK $(dotnet --version), $nginx_version, $wrk_version"
echo "machine: $machine"
echo "command: bash benchmarks/chain.sh $rounds $duration $connections (wrk -t2 -c$connections -d${duration}s, warm-up ${warmup}s)"
results="$out/results.tsv"
printf 'round\tdesign\tload\trps\tp50_ms\tp99_ms\tcpu_s_per_1k\terrors\n' > "$results"
designs=(lanes discovery sidecar)
for round in $(seq 1 "$rounds"); do
  # The order turns every round, so no design always runs first (or right after another's processes stopped).
  for k in 0 1 2; do
    design=${designs[$(((round - 1 + k) % 3))]}
    start "$design"
    base_path=$(curl -s "http://127.0.0.1:$gw/")
    gray_path=$(curl -s -H 'x-mse-tag: gray' "http://127.0.0.1:$gw/")
    wrk -t2 -c"$connections" -d"${warmup}s" -s "$out/mixed.lua" "http://127.0.0.1:$gw/" > /dev/null
    load=$(cut -d' ' -f1 /proc/loadavg)
    before=$(cpu_ticks)
    wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$out/mixed.lua" "http://127.0.0.1:$gw/" > "$out/wrk-$design-$round.txt"
    after=$(cpu_ticks)
    stop_all
    requests=$(awk '/requests in/ { print $1 }' "$out/wrk-$design-$round.txt")
    rps=$(awk '/^Requests\/sec/ { print $2 }' "$out/wrk-$design-$round.txt")
    p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$out/wrk-$design-$round.txt")")
    p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$out/wrk-$design-$round.txt")")
    errors=$(awk '/Non-2xx|Socket errors/ { sub(/^[^:]*: */, ""); printf "%s ", $0 }' "$out/wrk-$design-$round.txt")
    cpu=$(awk -v t=$((after - before)) -v hz="$hz" -v n="$requests" 'BEGIN { printf "%.3f", t / hz / (n / 1000) }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$design" "$load" "$rps" "$p50" "$p99" "$cpu" "${errors:-none}" >> "$results"
    printf 'round %s %-9s load %5s  %8s req/s  p50 %7s ms  p99 %7s ms  cpu %s s/1k req  errors: %s  base: %s  gray: %s\n' \
      "$round" "$design" "$load" "$rps" "$p50" "$p99" "$cpu" "${errors:-none}" "$base_path" "$gray_path"
  done
done

# Ratios against discovery, per round, then the spread over rounds.
awk -F'\t' '
  NR == 1 { next }
  { rps[$1, $2] = $4; p50[$1, $2] = $5; p99[$1, $2] = $6; cpu[$1, $2] = $7; if ($1 > rounds) rounds = $1 }
  function spread(label, a, b, f, i, j, t, v, sum, median) {
    sum = 0
    for (i = 1; i <= rounds; i++) {
      v[i] = (f == "rps") ? rps[i, a] / rps[i, b] : (f == "p50") ? p50[i, a] / p50[i, b] : (f == "p99") ? p99[i, a] / p99[i, b] : cpu[i, a] / cpu[i, b]
      sum += v[i]
    }
    for (i = 2; i <= rounds; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    median = (rounds % 2) ? v[(rounds + 1) / 2] : (v[rounds / 2] + v[rounds / 2 + 1]) / 2
    printf "%s %s: median %.3f, mean %.3f (%.3f to %.3f)\n", label, f, median, sum / rounds, v[1], v[rounds]
  }
  END {
    split("rps p50 p99 cpu", fields, " ")
    for (k = 1; k <= 4; k++) spread("lanes/discovery", "lanes", "discovery", fields[k])
    for (k = 1; k <= 4; k++) spread("sidecar/discovery", "sidecar", "discovery", fields[k])
    for (k = 1; k <= 4; k++) spread("lanes/sidecar", "lanes", "sidecar", fields[k])
  }' "$results" | tee "$out/ratios.txt"

if [ "${RESULTS:-0}" = 1 ]; then
  dotnet build -c Release benchmarks/Lanes.Benchmarks -v q -nologo >/dev/null
  dotnet artifacts/bin/Lanes.Benchmarks/release/Lanes.Benchmarks.dll report-chain "$out" "$machine" "RESULTS=1 bash benchmarks/chain.sh $rounds $duration $connections"
fi
