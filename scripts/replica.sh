#!/usr/bin/env bash
# A hot-standby PostgreSQL on this machine, streaming from the local primary (make replica, .ci/run).
#
#   scripts/replica.sh [start|stop|status]     (default: start; idempotent)
#
# start: lets the primary (127.0.0.1:5432) accept replication connections from 127.0.0.1 (a
# pg_hba line, then a reload) and keep 256 MB of WAL for a standby that was stopped for a while;
# takes a base backup (pg_basebackup -R) into $REPLICA_DATA once; starts the standby on
# $REPLICA_PORT and waits until it streams. Then:
#   REPLICA_DATABASE_URL=postgres://postgres@127.0.0.1:5433/<database>
# Environment: PRIMARY_PORT (5432), REPLICA_PORT (5433),
# REPLICA_DATA (/var/lib/postgresql/<version>/standby).
set -euo pipefail

PG_VERSION=${PG_VERSION:-$(ls /etc/postgresql | sort -n | tail -n1)}
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin
PRIMARY_CONF=/etc/postgresql/$PG_VERSION/main
PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
REPLICA_DATA=${REPLICA_DATA:-/var/lib/postgresql/$PG_VERSION/standby}
LOG=$REPLICA_DATA/standby.log

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}
primary() { psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres -Atqc "$1"; }
standby() { psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -Atqc "$1"; }
running() { [ -f "$REPLICA_DATA/postmaster.pid" ] && as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DATA" status >/dev/null 2>&1; }

prepare_primary() {
  local hba changed=""
  hba=$(primary "SHOW hba_file")
  if ! grep -Eq '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
    echo "host replication all 127.0.0.1/32 trust" >>"$hba"
    changed=1
  fi
  if [ "$(primary "SHOW wal_keep_size")" = "0" ]; then
    primary "ALTER SYSTEM SET wal_keep_size = '256MB'"
    changed=1
  fi
  [ -n "$changed" ] && primary "SELECT pg_reload_conf()" >/dev/null
  if [ "$(primary "SHOW wal_level")" = minimal ] || [ "$(primary "SHOW max_wal_senders")" = 0 ]; then
    echo "the primary needs wal_level=replica and max_wal_senders>0 ($PRIMARY_CONF/postgresql.conf), then a restart" >&2
    exit 1
  fi
}

base_backup() {
  echo "== base backup of 127.0.0.1:$PRIMARY_PORT into $REPLICA_DATA"
  rm -rf "$REPLICA_DATA"
  mkdir -p "$REPLICA_DATA"
  chown postgres:postgres "$REPLICA_DATA" 2>/dev/null || true
  chmod 700 "$REPLICA_DATA"
  as_postgres "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$REPLICA_DATA" \
    -R -X stream -c fast
  # Debian keeps the primary's configuration in /etc: the standby gets its own, in its data directory.
  as_postgres tee "$REPLICA_DATA/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $REPLICA_PORT
unix_socket_directories = '/var/run/postgresql'
hot_standby = on
hot_standby_feedback = on
max_standby_streaming_delay = 30s
EOF
  as_postgres tee "$REPLICA_DATA/pg_hba.conf" >/dev/null <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
  as_postgres touch "$REPLICA_DATA/pg_ident.conf"
}

# A standby that was stopped replays what it missed, database drops included: a client that connects
# before that replay ends is thrown out when the database it uses is dropped under it.
catch_up() {
  local target
  target=$(primary "SELECT pg_current_wal_lsn()")
  for _ in $(seq 1 600); do
    [ "$(standby "SELECT pg_last_wal_replay_lsn() >= '$target'::pg_lsn")" = t ] && return 0
    sleep 0.5
  done
  echo "the standby did not replay up to $target in 5 minutes; see $LOG" >&2
  exit 1
}

launch() {
  echo "== starting the standby on 127.0.0.1:$REPLICA_PORT (log $LOG)"
  as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DATA" -l "$LOG" -w -t 60 start >/dev/null
}

# Streaming within a minute? A standby stopped for long asks for WAL the primary no longer keeps
# ("requested WAL segment ... has already been removed"): that is known at once, not after a minute.
streams() {
  local since=$1
  for _ in $(seq 1 60); do
    if [ "$(standby "SELECT pg_is_in_recovery() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver
                      WHERE status = 'streaming')" 2>/dev/null)" = t ]; then
      return 0
    fi
    if tail -c +"$since" "$LOG" 2>/dev/null | grep -q "has already been removed"; then
      return 1
    fi
    sleep 1
  done
  return 1
}

log_size() { stat -c %s "$LOG" 2>/dev/null || echo 0; }

start() {
  prepare_primary
  local since
  since=$(( $(log_size) + 1 ))
  if running; then
    echo "== standby already running on 127.0.0.1:$REPLICA_PORT"
  else
    [ -f "$REPLICA_DATA/standby.signal" ] || base_backup
    if ! launch; then
      tail -n 5 "$LOG" >&2 || true
      base_backup
      since=$(( $(log_size) + 1 ))
      launch
    fi
  fi
  if ! streams "$since"; then
    # The WAL it needs is gone (stopped too long): start again from a fresh base backup, once.
    echo "== the standby cannot stream from where it stopped: a fresh base backup"
    stop >/dev/null
    base_backup
    since=$(( $(log_size) + 1 ))
    launch
    if ! streams "$since"; then
      echo "the standby on port $REPLICA_PORT does not stream; see $LOG" >&2
      exit 1
    fi
  fi
  catch_up
  echo "== standby streaming: REPLICA_DATABASE_URL=postgres://postgres@127.0.0.1:$REPLICA_PORT/<database>"
}

stop() {
  if running; then as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DATA" -m fast -w stop >/dev/null; fi
  echo "== standby stopped"
}

status() {
  if running; then
    standby "SELECT 'in recovery: ' || pg_is_in_recovery() || ', receiver: ' ||
             coalesce((SELECT status FROM pg_stat_wal_receiver), 'none')"
  else
    echo "not running"
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac
