# The build farm's daemons for culprit's farm example and benchmark, started on loopback only and
# stopped by the caller (source this file; bash). They are the real Debian programs:
#
#   farm_start_distccd DIR   distccd on 127.0.0.1:$DISTCCD_PORT, log DIR/distccd.log
#   farm_stop_distccd        stops it (the compile daemon dropping out)
#   farm_start_distccd_again the same daemon again, on the same port
#   farm_start_sshd DIR      sshd on 127.0.0.1:$SSHD_PORT with a throwaway host key and client key:
#                            DIR/id_ed25519, DIR/known_hosts, log DIR/sshd.log ("VERBOSE": one
#                            "Accepted publickey" and "Starting session" line per ssh command)
#   farm_kill_sshd           kills sshd and everything under it (its sessions and their QEMUs):
#                            the runner host dying
#   farm_stop_all            both, for an EXIT trap
#   farm_count PATTERN FILE  lines of FILE matching the extended regex PATTERN (0 when none)

farm_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

farm_count() {
  local n
  n=$(grep -cE "$1" "$2" 2>/dev/null) || true
  echo "${n:-0}"
}

# Waits up to 10 s for a daemon to accept connections on 127.0.0.1:PORT.
farm_wait_listening() {  # PORT NAME LOG
  local i
  for i in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "$2 did not listen on 127.0.0.1:$1 (log: $3)" >&2
  return 1
}

# Every process under PID (children first), then PID itself.
farm_process_tree() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do farm_process_tree "$child"; done
  echo "$1"
}

farm_start_distccd() {
  FARM_DISTCCD_DIR=$1
  mkdir -p "$FARM_DISTCCD_DIR"
  # distccd started as root drops to its own user, which must be able to write its log.
  chmod 0777 "$FARM_DISTCCD_DIR"
  touch "$FARM_DISTCCD_DIR/distccd.log"
  chmod 0666 "$FARM_DISTCCD_DIR/distccd.log"
  DISTCCD_PORT=${DISTCCD_PORT:-$(farm_free_port)}
  farm_start_distccd_again
}

farm_start_distccd_again() {
  distccd --no-detach --daemon --listen 127.0.0.1 --port "$DISTCCD_PORT" --allow 127.0.0.1 \
    --jobs 2 --log-level info --log-file "$FARM_DISTCCD_DIR/distccd.log" &
  FARM_DISTCCD_PID=$!
  farm_wait_listening "$DISTCCD_PORT" distccd "$FARM_DISTCCD_DIR/distccd.log"
}

farm_stop_distccd() {
  [ -n "${FARM_DISTCCD_PID:-}" ] || return 0
  kill $(farm_process_tree "$FARM_DISTCCD_PID") 2>/dev/null || true
  wait "$FARM_DISTCCD_PID" 2>/dev/null || true
  FARM_DISTCCD_PID=
}

farm_start_sshd() {
  FARM_SSHD_DIR=$1
  mkdir -p "$FARM_SSHD_DIR" /run/sshd
  chmod 0700 "$FARM_SSHD_DIR"
  rm -f "$FARM_SSHD_DIR"/host_ed25519* "$FARM_SSHD_DIR"/id_ed25519*
  ssh-keygen -q -t ed25519 -N '' -C culprit-test-host -f "$FARM_SSHD_DIR/host_ed25519"
  ssh-keygen -q -t ed25519 -N '' -C culprit-test-client -f "$FARM_SSHD_DIR/id_ed25519"
  cp "$FARM_SSHD_DIR/id_ed25519.pub" "$FARM_SSHD_DIR/authorized_keys"
  SSHD_PORT=${SSHD_PORT:-$(farm_free_port)}
  echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 "$FARM_SSHD_DIR/host_ed25519.pub")" \
    > "$FARM_SSHD_DIR/known_hosts"
  cat > "$FARM_SSHD_DIR/sshd_config" <<EOF
ListenAddress 127.0.0.1:$SSHD_PORT
HostKey $FARM_SSHD_DIR/host_ed25519
AuthorizedKeysFile $FARM_SSHD_DIR/authorized_keys
PidFile $FARM_SSHD_DIR/sshd.pid
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
LogLevel VERBOSE
EOF
  /usr/sbin/sshd -D -f "$FARM_SSHD_DIR/sshd_config" -E "$FARM_SSHD_DIR/sshd.log" &
  FARM_SSHD_PID=$!
  farm_wait_listening "$SSHD_PORT" sshd "$FARM_SSHD_DIR/sshd.log"
}

farm_kill_sshd() {
  [ -n "${FARM_SSHD_PID:-}" ] || return 0
  kill -9 $(farm_process_tree "$FARM_SSHD_PID") 2>/dev/null || true
  wait "$FARM_SSHD_PID" 2>/dev/null || true
  FARM_SSHD_PID=
}

# Also the daemons a subshell (a fault injector) started again, which this shell has no PID of.
farm_stop_all() {
  farm_stop_distccd
  farm_kill_sshd
  local pid
  for pid in $(pgrep -f "^distccd .*--port ${DISTCCD_PORT:-none} ") \
    $(pgrep -f "sshd -D -f ${FARM_SSHD_DIR:-none}/sshd_config"); do
    kill -9 $(farm_process_tree "$pid") 2>/dev/null || true
  done
}
