#!/bin/bash
# Starts a throw-away single-node Ceph cluster (one mon, one memstore OSD, no
# mgr, auth none) and a radosgw on loopback, for tests/e2e.rs.
#
#   ceph-start.sh DIR MON_PORT RGW_PORT ACCESS_KEY SECRET_KEY
#
# Everything lives under DIR, a fresh directory (made if absent): ceph.conf,
# the mon and OSD data, logs (DIR/log) and pid files (DIR/run/*.pid). The
# daemons fork into the background; stop them with ceph-stop.sh DIR. On
# failure this stops what it started and prints the log tails. Needs the
# Debian packages ceph-mon ceph-osd radosgw ceph-common (16.2) on PATH.
set -euo pipefail

if [ $# -ne 5 ]; then
    echo "usage: $0 DIR MON_PORT RGW_PORT ACCESS_KEY SECRET_KEY" >&2
    exit 2
fi
B=$1 MON_PORT=$2 RGW_PORT=$3 AK=$4 SK=$5
HERE=$(cd "$(dirname "$0")" && pwd)
unset CEPH_CONF CEPH_ARGS

fail() {
    echo "ceph-start: $*" >&2
    for f in "$B"/log/*.log; do
        [ -f "$f" ] || continue
        echo "--- tail of $f" >&2
        tail -n 15 "$f" >&2
    done
    bash "$HERE/ceph-stop.sh" "$B" >&2 || true
    exit 1
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls every 0.2 s; the output of
# the last try is in DIR/log/last-try.log.
wait_for() {
    local limit=$1 what=$2
    shift 2
    local deadline=$((SECONDS + limit))
    until "$@" >"$B/log/last-try.log" 2>&1; do
        [ $SECONDS -lt $deadline ] || fail "timed out after ${limit}s waiting for $what"
        sleep 0.2
    done
}

mkdir -p "$B/run" "$B/log" "$B/mon.a" "$B/osd.0" "$B/rgw.a"
FSID=$(cat /proc/sys/kernel/random/uuid)
cat >"$B/ceph.conf" <<CONF
[global]
fsid = $FSID
mon host = v1:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
ms bind msgr2 = false
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd pool default pg num = 1
osd pool default pgp num = 1
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
# Commit monitor changes at once rather than batching them for 1 s: radosgw
# creates six pools at boot, each a few monitor rounds.
paxos propose interval = 0.01
paxos min wait = 0.001
osd crush chooseleaf type = 0
# The OSD is placed in the CRUSH map below; left to itself it races its
# monitor session at boot ('wrong fsid') and exits.
osd crush update on start = false
osd class update on start = false
run dir = $B/run
admin socket = $B/run/\$name.asok
log file = $B/log/\$name.log
pid file = $B/run/\$name.pid
# auth none: no keyring (and none looked for in /etc/ceph)
keyring = /dev/null
[mon.a]
mon data = $B/mon.a
[osd.0]
osd data = $B/osd.0
osd objectstore = memstore
memstore device bytes = 536870912
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $B/rgw.a
rgw dns name = localhost
rgw enable usage log = false
# STS for the session-token check (GetSessionToken) and the assume-role
# check (AssumeRole); the user gets the user-policy cap below so that it can
# allow itself sts:GetSessionToken, and the roles cap to create the role.
rgw s3 auth use sts = true
rgw sts key = e2eStsKey0123456
CONF
C=(-c "$B/ceph.conf")

monmaptool --create --addv a "v1:127.0.0.1:$MON_PORT" --fsid "$FSID" "$B/monmap" >/dev/null ||
    fail "monmaptool failed"
ceph-mon "${C[@]}" --mkfs -i a --monmap "$B/monmap" || fail "ceph-mon --mkfs failed"
ceph-mon "${C[@]}" -i a || fail "ceph-mon did not start"

# A client's first command can reach the monitor before the client has the
# monitor map, and is then refused ("handle_command on fsid 0000..."): every
# `ceph` command is retried (both are idempotent).
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
wait_for 60 "the monitor (ceph osd new)" ceph "${C[@]}" --connect-timeout 5 osd new "$OSD_UUID" 0
wait_for 30 "ceph osd crush add" ceph "${C[@]}" --connect-timeout 5 osd crush add osd.0 1.0 host=localhost root=default
ceph-osd "${C[@]}" -i 0 --mkfs --osd-uuid "$OSD_UUID" >"$B/log/osd-mkfs.log" 2>&1 || fail "ceph-osd --mkfs failed"
ceph-osd "${C[@]}" -i 0 >>"$B/log/daemons.log" 2>&1 || fail "ceph-osd did not start"

# radosgw waits for the OSD by itself and creates its pools once it is up.
# Should it die at boot (its pool commands can meet the race above), it is
# started again, up to three times.
rgw_running() { # the pid file is written once radosgw has forked
    local pid
    pid=$(tr -dc '0-9' <"$B/run/client.rgw.a.pid" 2>/dev/null) || return 0
    [ -z "$pid" ] || [ -n "$(tr -d '\0' <"/proc/$pid/cmdline" 2>/dev/null)" ]
}
rgw_up=false
for attempt in 1 2 3; do
    rm -f "$B/run/client.rgw.a.pid"
    radosgw "${C[@]}" -n client.rgw.a >>"$B/log/daemons.log" 2>&1 || fail "radosgw did not start"
    deadline=$((SECONDS + 120))
    while [ $SECONDS -lt $deadline ] && rgw_running; do
        if curl -q -sS --noproxy '*' --max-time 5 -o /dev/null "http://127.0.0.1:$RGW_PORT/" 2>/dev/null; then
            rgw_up=true
            break 2
        fi
        sleep 0.2
    done
    rgw_running || echo "ceph-start: radosgw exited at boot (try $attempt)" >&2
    [ $SECONDS -lt $deadline ] || break
done
$rgw_up || fail "radosgw never answered on 127.0.0.1:$RGW_PORT"

create_user() { # the user may exist if an earlier try failed late
    radosgw-admin "${C[@]}" user create --uid tester --display-name tester \
        --access-key "$AK" --secret-key "$SK" --caps "user-policy=*;roles=*" >>"$B/log/user-create.log" 2>&1 ||
        radosgw-admin "${C[@]}" user info --uid tester >>"$B/log/user-create.log" 2>&1
}
wait_for 60 "radosgw-admin user create" create_user
echo "radosgw ready on 127.0.0.1:$RGW_PORT"
