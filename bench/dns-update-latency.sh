#!/usr/bin/env bash
# From decision to answer: publish: files (zone file + rndc reload) against publish: dns-update (RFC 2136 UPDATE
# with TSIG) to a real named on a 127.0.0.1 port, with the published (ReadyToRun) edgemanage and the in-process
# loopback fleet. Not a test: never part of `dotnet test`. All traffic stays on 127.0.0.0/8.
# Needs BIND: named, rndc, tsig-keygen (bind9) and dig (bind9-dnsutils).
# Usage: bench/dns-update-latency.sh [--quick] [--zones N]
#   default: 1 zone (5 unchanged runs, 5 changing runs, 5 serve trials per mode), then N zones (default 500;
#   3 unchanged runs, 3 changing runs, 2 serve trials); --quick: 1 zone only, 3 of each.
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0
ZONES=500
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --zones) ZONES="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

for tool in named rndc tsig-keygen dig; do
  if ! command -v "$tool" >/dev/null && [ ! -x "/usr/sbin/$tool" ]; then
    echo "$tool not found: apt install bind9 bind9-dnsutils" >&2
    exit 2
  fi
done

. bench/publish-r2r.sh
echo "# machine: $(nproc) cores, $(free -m | awk '/^Mem:/{print $2}') MB RAM, dotnet $(dotnet --version), $(uname -sr), $(/usr/sbin/named -v 2>/dev/null || named -v)" >&2

if [ "$QUICK" -eq 1 ]; then
  $BENCH dns-update --edgemanage "$EM" --runs 3 --trials 3 --serve-trials 3
  exit 0
fi
$BENCH dns-update --edgemanage "$EM" --runs 5 --trials 5 --serve-trials 5
echo
$BENCH dns-update --edgemanage "$EM" --zones "$ZONES" --runs 3 --trials 3 --serve-trials 2 --work "artifacts/bench/dns-update-$ZONES"
