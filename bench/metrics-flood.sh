#!/usr/bin/env bash
# Scrape latency of serve's /metrics while N idle TCP clients hold connections to it open.
# Not a test: never part of `dotnet test`. Loopback only (127.0.0.1); bounded: about a minute with the defaults.
#
# It starts a real node (`edgemanage demo --serve`, which runs `serve` over the loopback demo fleet), waits for
# "metrics on", then for each N in --idle: opens N TCP connections that send nothing, times --scrapes
# sequential GET /metrics (each on a new connection, 5 s timeout), prints one row, and closes the idle ones.
# Last, it opens --idle's largest N again and reports how many the server has closed after --linger seconds.
#
# Usage: bench/metrics-flood.sh [--edgemanage "CMD"] [--idle "0 64 300 1000"] [--scrapes 20] [--port 19469] [--linger 12]
#   --edgemanage: how to run edgemanage, e.g. "dotnet /tmp/em-before/edgemanage.dll" (default: build src/Node
#                 in Release and run that), so two builds can be compared on the same machine.
set -euo pipefail
cd "$(dirname "$0")/.."

EM=""
IDLE="0 64 300 1000"
SCRAPES=20
PORT=19469
LINGER=12
while [ $# -gt 0 ]; do
  case "$1" in
    --edgemanage) EM="$2"; shift ;;
    --idle) IDLE="$2"; shift ;;
    --scrapes) SCRAPES="$2"; shift ;;
    --port) PORT="$2"; shift ;;
    --linger) LINGER="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
for n in $IDLE; do
  if [ "$n" -gt 5000 ]; then echo "--idle values above 5000 are refused (file descriptors)" >&2; exit 2; fi
done
[ "$LINGER" -le 60 ] || { echo "--linger is at most 60 s" >&2; exit 2; }

if [ -z "$EM" ]; then
  echo "# building edgemanage (Release)" >&2
  dotnet build src/Node -c Release -nologo -v quiet >&2
  EM="dotnet src/Node/bin/Release/net10.0/edgemanage.dll"
fi

WORK=$(mktemp -d /tmp/metrics-flood.XXXXXX)
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

started=$(date +%s%N)
# shellcheck disable=SC2086  # EM is a command line on purpose
$EM demo --serve --dir "$WORK/demo" --metrics-listen "127.0.0.1:$PORT" >"$WORK/out" 2>"$WORK/err" &
PID=$!
for _ in $(seq 1 600); do
  grep -q "metrics on" "$WORK/out" 2>/dev/null && break
  kill -0 "$PID" 2>/dev/null || { echo "edgemanage exited early:" >&2; cat "$WORK/err" >&2; exit 1; }
  sleep 0.1
done
grep -q "metrics on" "$WORK/out" || { echo "no 'metrics on' within 60 s" >&2; cat "$WORK/err" >&2; exit 1; }
ready_ms=$(( ($(date +%s%N) - started) / 1000000 ))

echo "# machine: $(nproc) cores, dotnet $(dotnet --version), $(uname -sr); edgemanage: $EM"
echo "# serve start to 'metrics on': ${ready_ms} ms"

python3 - "$PORT" "$SCRAPES" "$LINGER" $IDLE <<'PY'
import socket, sys, time

port, scrapes, linger = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
levels = [int(x) for x in sys.argv[4:]]
ADDR = ("127.0.0.1", port)

def scrape():
    """One GET /metrics on a new connection: (status or error, milliseconds)."""
    t = time.monotonic()
    try:
        s = socket.create_connection(ADDR, timeout=5)
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        status = (data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/")
                  else "closed" if not data else "garbage")  # closed: turned away without an answer
    except OSError as e:
        status = type(e).__name__
    return status, (time.monotonic() - t) * 1000

def open_idle(n):
    idle = []
    for _ in range(n):
        try:
            idle.append(socket.create_connection(ADDR, timeout=5))
        except OSError:
            break
    return idle

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

scrape()  # warm-up: the first render JIT-compiles the metrics code
print(f"{'idle':>6} {'opened':>6} {'scrapes':>7} {'200':>5} {'other':>14} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
for n in levels:
    idle = open_idle(n)
    time.sleep(0.5)  # let the server accept them all before the first scrape
    results = [scrape() for _ in range(scrapes)]
    ok = [ms for status, ms in results if status == "200"]
    other = {}
    for status, _ in results:
        if status != "200":
            other[status] = other.get(status, 0) + 1
    ms = [m for _, m in results]
    others = ",".join(f"{k}x{v}" for k, v in other.items()) or "-"
    print(f"{n:>6} {len(idle):>6} {scrapes:>7} {len(ok):>5} {others:>14} {pct(ms, 50):>8.1f} {pct(ms, 95):>8.1f} {max(ms):>8.1f}", flush=True)
    for s in idle:
        s.close()
    time.sleep(0.5)

# Does the server close connections that never send a request?
n = max(levels) if levels else 0
if n > 0:
    idle = open_idle(n)
    for s in idle:
        s.setblocking(False)
    start = time.monotonic()
    closed = {}  # index -> seconds until the server closed it
    while time.monotonic() - start < linger and len(closed) < len(idle):
        for i, s in enumerate(idle):
            if i in closed:
                continue
            try:
                if s.recv(4096) is not None:  # b"" (FIN) or a response (e.g. 503) followed by the close
                    closed[i] = time.monotonic() - start
            except BlockingIOError:
                pass
            except OSError:
                closed[i] = time.monotonic() - start
        time.sleep(0.1)
    took = time.monotonic() - start
    times = sorted(closed.values())
    within1 = sum(1 for t in times if t < 1)
    spread = f", the rest between {pct(times[within1:], 0):.1f} and {times[-1]:.1f} s" if len(times) > within1 else ""
    print(f"# idle connections closed by the server: {len(closed)} of {len(idle)} within {took:.1f} s "
          f"({within1} at once, i.e. refused or answered without a request{spread})")
    for s in idle:
        s.close()
PY
