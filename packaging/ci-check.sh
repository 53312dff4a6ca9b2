#!/usr/bin/env bash
# The packaging check (.ci/run calls it after the tests pass; it also runs alone, as root, on a Debian 12 machine):
# builds the .deb, installs it with apt (which pulls its Depends), verifies every unit with systemd-analyze, runs
# the installed commands, and runs a round of the demo network as the installed user against the demo fleet. With
# systemd as PID 1 it also starts edgemanage-serve@demo and waits for its zone. Then it purges the package again
# (KEEP_PACKAGE=1 keeps it; PACKAGE=artifacts/edgemanage_….deb checks that package instead of building one). Every failure prints a "ci: packaging: ..." line and exits 1.
set -uo pipefail
cd "$(dirname "$0")/.."

fail() { echo "ci: packaging: $*"; exit 1; }
started=$(date +%s)
config=/etc/edgemanage/edgemanage.yaml
zone=/var/lib/edgemanage/named/example.test.zone
fleet_pid=

cleanup() {
    [ -n "$fleet_pid" ] && kill -TERM "$fleet_pid" 2>/dev/null && wait "$fleet_pid" 2>/dev/null
    if [ "${KEEP_PACKAGE:-0}" != 1 ] && dpkg -s edgemanage >/dev/null 2>&1; then
        dpkg --purge edgemanage >/tmp/ci-pkg-purge.log 2>&1 || echo "ci: packaging: dpkg --purge edgemanage failed (see /tmp/ci-pkg-purge.log)"
    fi
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || fail "must run as root (it installs the package)"
for tool in dpkg-deb apt-get systemd-analyze runuser; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing (apt-get install systemd util-linux dpkg-dev)"
done

if [ -n "${PACKAGE:-}" ]; then
    deb=$PACKAGE   # a package built before: checks it without rebuilding
else
    packaging/build-deb.sh >/tmp/ci-pkg-build.log 2>&1 || { tail -30 /tmp/ci-pkg-build.log; fail "packaging/build-deb.sh failed"; }
    deb=$(tail -1 /tmp/ci-pkg-build.log)
fi
[ -f "$deb" ] || fail "build-deb.sh did not name a package (last line: $deb)"
built=$(date +%s)
echo "ci: packaging: built $deb ($(du -h "$deb" | cut -f1)) in $((built - started)) s"

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$(realpath "$deb")" >/tmp/ci-pkg-install.log 2>&1 \
    || { tail -20 /tmp/ci-pkg-install.log; fail "apt-get install $deb failed"; }
getent passwd edgemanage >/dev/null || fail "postinst did not create the edgemanage user"
[ "$(stat -c '%U %a' /var/lib/edgemanage)" = "edgemanage 750" ] || fail "/var/lib/edgemanage is $(stat -c '%U %a' /var/lib/edgemanage), not edgemanage 750"

# Templates are verified through an instance; the demo drop-ins come with the demo instances.
units=(edgemanage-serve@demo.service edgemanage-serve@mynet.service edgemanage-run@demo.service edgemanage-run@demo.timer
       edgemanage-demo-fleet.service)
for unit in "${units[@]}"; do
    # Without systemd as PID 1 there is no live manager to ask, so verify loads the unit files from disk alone.
    if ! out=$(cd /lib/systemd/system && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$unit" 2>&1) || [ -n "$out" ]; then
        echo "$out"; fail "systemd-analyze verify $unit"
    fi
done
echo "ci: packaging: systemd-analyze verify: ${#units[@]} units clean"

edgemanage version >/dev/null || fail "edgemanage version"
echo "ci: packaging: installed $(edgemanage version)"
edge_manage --help >/dev/null || fail "edge_manage --help"
edge_manage --version >/dev/null || fail "edge_manage --version"
edge_query --help >/dev/null || fail "edge_query --help"
edge_conf --help >/dev/null || fail "edge_conf --help"

as_edgemanage() { (cd / && runuser -u edgemanage -- "$@"); }

as_edgemanage edgemanage demo --fleet-only --port 18080 --test-object /etc/edgemanage/demo/test_object >/tmp/ci-pkg-fleet.log 2>&1 &
fleet_pid=$!
for _ in $(seq 1 60); do
    grep -q '^demo fleet: 12 edges' /tmp/ci-pkg-fleet.log && break
    kill -0 "$fleet_pid" 2>/dev/null || { cat /tmp/ci-pkg-fleet.log; fail "the demo fleet exited"; }
    sleep 0.5
done
grep -q '^demo fleet: 12 edges' /tmp/ci-pkg-fleet.log || { cat /tmp/ci-pkg-fleet.log; fail "the demo fleet did not start within 30 s"; }

as_edgemanage edgemanage validate -A demo -c "$config" >/tmp/ci-pkg-validate.log 2>&1 \
    || { cat /tmp/ci-pkg-validate.log; fail "edgemanage validate -A demo -c $config"; }
as_edgemanage edge_manage -A demo -c "$config" >/tmp/ci-pkg-run.log 2>&1; code=$?
[ "$code" = 0 ] || { cat /tmp/ci-pkg-run.log; fail "edge_manage -A demo (edgemanage run) as user edgemanage exited $code"; }
grep -qP '^@\t.*IN\tA\t127\.0\.0\.2$' "$zone" 2>/dev/null || grep -q '127.0.0.2' "$zone" 2>/dev/null \
    || { cat /tmp/ci-pkg-run.log; fail "no zone $zone with the demo's live edges after the round"; }
live=$(as_edgemanage edge_query -A demo -c "$config" -s in) || fail "edge_query -A demo -s in"
[ "$(printf '%s\n' "$live" | grep -c .)" = 4 ] || { printf '%s\n' "$live"; fail "edge_query -s in listed not 4 live edges"; }
as_edgemanage edge_conf -A demo -c "$config" -m unavailable -C "ci" 127.0.0.13 >/dev/null || fail "edge_conf -A demo -m unavailable"
bash -n /usr/share/bash-completion/completions/edgemanage || fail "the packaged bash completion does not parse"
[ "$(as_edgemanage edgemanage completion-networks -c "$config")" = demo ] || fail "completion-networks -c $config did not list demo"
echo "ci: packaging: as user edgemanage: edge_manage -A demo published $(printf '%s' "$live" | awk '{print $1}' | tr '\n' ' ')"

if [ "$(ps -p 1 -o comm= 2>/dev/null)" = systemd ]; then
    kill -TERM "$fleet_pid" 2>/dev/null; wait "$fleet_pid" 2>/dev/null; fleet_pid=
    rm -f "$zone"
    systemctl start edgemanage-serve@demo.service || { journalctl -u edgemanage-serve@demo -n 30 --no-pager; fail "systemctl start edgemanage-serve@demo"; }
    systemctl is-active --quiet edgemanage-demo-fleet.service || fail "edgemanage-demo-fleet is not active"
    for _ in $(seq 1 60); do [ -s "$zone" ] && break; sleep 1; done
    [ -s "$zone" ] || { journalctl -u edgemanage-serve@demo -n 30 --no-pager; fail "edgemanage-serve@demo wrote no zone within 60 s"; }
    systemctl reload edgemanage-serve@demo.service || fail "systemctl reload edgemanage-serve@demo"
    systemctl stop edgemanage-serve@demo.service edgemanage-demo-fleet.service || fail "systemctl stop"
    echo "ci: packaging: systemd: edgemanage-serve@demo became active and wrote $zone"
else
    echo "ci: packaging: note: systemd is not PID 1 here ($(ps -p 1 -o comm=)): edgemanage-serve@demo not started"
fi

echo "ci: packaging: ok in $(($(date +%s) - started)) s (build $((built - started)) s)"
