#!/usr/bin/env bash
# Round benchmarks of the published (ReadyToRun) edgemanage against the in-process loopback fleet.
# Not a test: never part of `dotnet test`. All traffic stays on 127.0.0.0/8.
# Usage: bench/run-round-benchmarks.sh [--quick] [--with-5000-history] [--publish-only] [--runs N]
#   --publish-only: only the decide-and-publish figures (5% hanging edges, 2000 zones; 10 000 zones)
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=3
QUICK=0
BIG_HISTORY=0
PUBLISH_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --with-5000-history) BIG_HISTORY=1 ;;
    --publish-only) PUBLISH_ONLY=1 ;;
    --runs) RUNS="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

if [ ! -x /usr/bin/time ]; then
  echo "# installing GNU time (/usr/bin/time)" >&2
  if command -v apt-get >/dev/null; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get install -y time >/dev/null || echo "# could not install time; falling back to getrusage" >&2
  fi
fi

. bench/publish-r2r.sh

echo "# machine: $(nproc) cores, $(free -m | awk '/^Mem:/{print $2}') MB RAM, dotnet $(dotnet --version), $(uname -sr)" >&2
echo
header=""
row() {
  $BENCH round --runs "$RUNS" --edgemanage "$EM" --delay-ms 20 $header "$@"
  header="--no-header"
}
if [ "$PUBLISH_ONLY" -eq 0 ]; then
  row --edges 1000
  if [ "$QUICK" -eq 0 ]; then
    row --edges 5000
  fi
  row --edges 1000 --history 2000
  if [ "$BIG_HISTORY" -eq 1 ]; then
    row --edges 5000 --history 2000
  fi
fi

# Decide and publish: 10 s probe timeout, 5% of edges hanging, 2000 zones (written and checked once by an
# unmeasured warm-up round; the measured rounds keep the live set and must write no zone).
echo
header=""
row --edges 1000 --hanging-percent 5 --zones 2000
if [ "$QUICK" -eq 0 ]; then
  row --edges 5000 --hanging-percent 5 --zones 2000
fi

# Rendering and writing zones alone (no probing): 10 000 zones, then 2000 with named-checkzone.
echo
$BENCH zones --count 10000 --compare
if command -v named-checkzone >/dev/null; then
  echo
  $BENCH zones --count 2000 --check
fi
