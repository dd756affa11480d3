#!/bin/bash
# Stops the daemons that ceph-start.sh started under DIR, by their pid files
# only: SIGTERM, then SIGKILL for whatever is still running after 5 s. The
# gateway goes first, then the OSD, then the monitor: each waits for the
# next one when it stops. A pid is signalled only while its command line
# still names DIR/ceph.conf, so a reused pid is never hit.
#
#   ceph-stop.sh DIR
set -uo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
B=$1

ours() { # ours PID: the process is alive and runs with DIR/ceph.conf
    [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$B/ceph.conf"
}

stop() { # stop PIDFILE...: TERM, wait up to 5 s, KILL
    local pids=() alive=() f pid
    for f in "$@"; do
        [ -f "$f" ] || continue
        pid=$(tr -dc '0-9' <"$f")
        [ -n "$pid" ] && ours "$pid" && pids+=("$pid")
    done
    [ ${#pids[@]} -eq 0 ] && return 0
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
        alive=()
        for pid in "${pids[@]}"; do ours "$pid" && alive+=("$pid"); done
        [ ${#alive[@]} -eq 0 ] && return 0
        sleep 0.1
    done
    for pid in "${alive[@]}"; do
        echo "ceph-stop: pid $pid ignored SIGTERM for 5 s: SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
    done
}

shopt -s nullglob
stop "$B"/run/client.*.pid
stop "$B"/run/osd.*.pid
stop "$B"/run/*.pid
exit 0
