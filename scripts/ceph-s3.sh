#!/usr/bin/env bash
# A throwaway S3 server for tests: the Ceph RADOS Gateway on a single-node cluster (one monitor,
# one OSD, no manager), every daemon bound to 127.0.0.1, no cephx between the daemons, S3 SigV4
# authentication on the gateway. Nothing here is meant for real data.
#
#   scripts/ceph-s3.sh start <dir> [port]   install the Debian packages if missing (apt-get, needs
#                                           root), build a fresh cluster under <dir> (wiping the one
#                                           there), start it in the background, wait until S3
#                                           answers, create a user and a bucket, write <dir>/s3.env
#                                           and print it
#   scripts/ceph-s3.sh stop <dir>           stop the daemons started from <dir> (by their pid files)
#   scripts/ceph-s3.sh env <dir>            print <dir>/s3.env again
#
# <dir>/s3.env holds S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, S3_BUCKET.
# Environment: CEPH_MON_PORT (default 13300), S3_BUCKET (default lakelog-test),
#   S3_ACCESS_KEY / S3_SECRET_KEY (fixed test credentials by default),
#   CEPH_OBJECTSTORE=memstore|bluestore (default memstore: object data lives in the OSD's memory;
#   bluestore keeps it in a sparse 4 GiB file under <dir>/osd).
# Logs: <dir>/log. A start takes about 10-20 s once the packages are installed.
set -euo pipefail

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }

CMD=${1:-}
DIR=${2:-}
case "$CMD" in start | stop | env) ;; *) usage >&2; exit 2 ;; esac
if [ -z "$DIR" ]; then usage >&2; exit 2; fi
if [ "$CMD" = start ]; then mkdir -p "$DIR"; fi
[ -d "$DIR" ] || { printf 'ceph-s3: no directory %s\n' "$DIR" >&2; exit 1; }
DIR=$(cd "$DIR" && pwd)
PORT=${3:-7480}
MON_PORT=${CEPH_MON_PORT:-13300}
BUCKET=${S3_BUCKET:-lakelog-test}
ACCESS_KEY=${S3_ACCESS_KEY:-LAKELOGTESTACCESSKEY}
SECRET_KEY=${S3_SECRET_KEY:-lakelogTestSecretKey0123456789abcdefghij}
OBJECTSTORE=${CEPH_OBJECTSTORE:-memstore}
CONF="$DIR/ceph.conf"
PACKAGES=(radosgw ceph-mon ceph-osd ceph-common curl ca-certificates)

log() { printf 'ceph-s3: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# Stops the gateway, then the OSD, then the monitor, each by the pid file it wrote under <dir>/run.
stop_daemons() {
  local pidfile pid
  for pidfile in "$DIR/run/ceph-client.rgw.a.pid" "$DIR/run/ceph-osd.0.pid" "$DIR/run/ceph-mon.a.pid"; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
    fi
    rm -f "$pidfile"
  done
}

install_packages() {
  local missing=0 bin
  for bin in radosgw ceph-mon ceph-osd ceph-authtool monmaptool ceph curl; do
    command -v "$bin" >/dev/null 2>&1 || missing=1
  done
  [ "$missing" = 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "Ceph is not installed and apt-get is not available: install ${PACKAGES[*]} by hand"
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "installing ${PACKAGES[*]} needs root (run as root or install them first)"
    sudo=(sudo)
  fi
  log "installing ${PACKAGES[*]} with apt-get (log: $DIR/apt.log)"
  export DEBIAN_FRONTEND=noninteractive
  { "${sudo[@]}" apt-get update -q && "${sudo[@]}" apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"; } >"$DIR/apt.log" 2>&1 \
    || { tail -n 20 "$DIR/apt.log" >&2; die "apt-get failed"; }
}

write_conf() {
  local fsid=$1
  cat >"$CONF" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$MON_PORT
mon initial members = a
public addr = 127.0.0.1
ms bind ipv4 = true
ms bind ipv6 = false
# loopback-only test cluster: no cephx between the daemons; the gateway still checks S3 signatures
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon max pg per osd = 1000
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
run dir = $DIR/run
admin socket = $DIR/run/\$cluster-\$name.asok
pid file = $DIR/run/\$cluster-\$name.pid
log file = $DIR/log/\$cluster-\$name.log
keyring = $DIR/keyring
mon data = $DIR/mon/\$cluster-\$id
osd data = $DIR/osd/\$cluster-\$id
osd objectstore = $OBJECTSTORE
memstore device bytes = 4294967296
bluestore block path = $DIR/osd/\$cluster-\$id/block.file
bluestore block create = true
bluestore block size = 4294967296
bluestore fsck on mount = false
osd memory target = 939524096
# long object names (deep Delta partition paths) on a small OSD
osd max object name len = 2048
osd max object namespace len = 64
osd check max object name len on startup = false
osd op num shards = 2
osd op num threads per shard = 1

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$PORT tcp_nodelay=1
rgw data = $DIR/rgw
rgw dynamic resharding = false
EOF
}

# Polls `check` every half second, up to `tries` times.
wait_for() {
  local tries=$1 what=$2; shift 2
  for _ in $(seq 1 "$tries"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  die "$what did not come up in time (logs: $DIR/log)"
}

osd_is_up() { timeout 10 ceph -c "$CONF" osd stat 2>/dev/null | grep -q ' 1 up'; }
s3_answers() { curl -s -o /dev/null -m 2 "http://127.0.0.1:$PORT/"; }

start_cluster() {
  local fsid osd_uuid osd_id
  fsid=$(cat /proc/sys/kernel/random/uuid)
  write_conf "$fsid"
  ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$DIR/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$MON_PORT]" "$DIR/monmap" >/dev/null
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring" 2>>"$DIR/log/setup.log"
  ceph-mon -c "$CONF" -i a 2>>"$DIR/log/setup.log" # daemonizes
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  osd_id=$(timeout 60 ceph -c "$CONF" osd new "$osd_uuid") || die "the monitor did not answer (logs: $DIR/log)"
  [ "$osd_id" = 0 ] || die "expected OSD id 0, got $osd_id"
  mkdir -p "$DIR/osd/ceph-0"
  ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" 2>>"$DIR/log/setup.log"
  ceph-osd -c "$CONF" -i 0 2>>"$DIR/log/setup.log" # daemonizes
  wait_for 120 "the OSD" osd_is_up
  radosgw -c "$CONF" -n client.rgw.a 2>>"$DIR/log/setup.log" # daemonizes once it reaches the cluster
  wait_for 240 "the S3 gateway on port $PORT" s3_answers
}

create_user_and_bucket() {
  radosgw-admin -c "$CONF" user create --uid=lakelog --display-name=lakelog \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >"$DIR/log/user.json"
  # a SigV4-signed CreateBucket (curl >= 7.75); the hash is that of the empty body
  local code
  code=$(curl -s -o "$DIR/log/create-bucket.xml" -w '%{http_code}' -X PUT \
    --aws-sigv4 "aws:amz:us-east-1:s3" --user "$ACCESS_KEY:$SECRET_KEY" \
    -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
    "http://127.0.0.1:$PORT/$BUCKET")
  [ "$code" = 200 ] || die "creating bucket $BUCKET failed: HTTP $code $(cat "$DIR/log/create-bucket.xml")"
}

write_env() {
  cat >"$DIR/s3.env" <<EOF
S3_ENDPOINT=http://127.0.0.1:$PORT
AWS_ACCESS_KEY_ID=$ACCESS_KEY
AWS_SECRET_ACCESS_KEY=$SECRET_KEY
AWS_REGION=us-east-1
S3_BUCKET=$BUCKET
EOF
}

case "$CMD" in
  stop)
    stop_daemons
    log "stopped the Ceph daemons of $DIR"
    ;;
  env)
    [ -f "$DIR/s3.env" ] || die "no $DIR/s3.env: run '$0 start $DIR' first"
    cat "$DIR/s3.env"
    ;;
  start)
    started=$(date +%s)
    install_packages
    stop_daemons
    if s3_answers; then die "something already answers on 127.0.0.1:$PORT (pick another port)"; fi
    rm -rf "${DIR:?}"/{mon,osd,run,log,rgw,keyring,monmap,ceph.conf,s3.env}
    mkdir -p "$DIR"/{mon,osd,run,log,rgw}
    start_cluster
    create_user_and_bucket
    write_env
    cat "$DIR/s3.env"
    log "S3 ready on http://127.0.0.1:$PORT after $(($(date +%s) - started)) s (stop: $0 stop $DIR)"
    ;;
esac
