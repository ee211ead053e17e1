#!/usr/bin/env bash
# Install and run a REAL single-node Slurm cluster (slurmctld + slurmd + slurmdbd, so
# `sacct` works) on Debian 12 without systemd, for hsm's CI and developers. Run as root.
#
# Usage: scripts/slurm-cluster.sh up|down|status
#   up      install packages if missing, write configs, start what is not running, then
#           wait until the node is idle and a probe job is visible in sacct. Idempotent.
#   down    stop only the daemons that `up` started (their pids are in the state dir).
#   status  show each daemon and `sinfo`; exit 0 if the controller answers.
#
# Environment:
#   HSM_SLURM_STATE    state dir: pids, daemon logs, controller state (/var/lib/hsm-slurm)
#   HSM_SLURM_CPUS     CPUs the node advertises (default: max(nproc, 8); more than the
#                      real count is allowed via SlurmdParameters=config_overrides)
#   HSM_SLURM_TIMEOUT  seconds `up` waits for the node and the probe job (default 90;
#                      each daemon additionally gets 30 s to answer after its start)
#   HSM_SLURM_CLUSTER  cluster name (default hsm)
#   HSM_SLURM_USER     an ordinary user `up` creates (with a home directory), with its own
#                      account and association and the QOS below as its default, so submit
#                      limits bind that user only (default hsmuser; root bypasses limits)
#   HSM_SLURM_USER_LIMIT  MaxSubmitJobsPerUser of that user's QOS, hsmcap (default 20)
set -euo pipefail

STATE_DIR=${HSM_SLURM_STATE:-/var/lib/hsm-slurm}
CLUSTER=${HSM_SLURM_CLUSTER:-hsm}
LIMITED_USER=${HSM_SLURM_USER:-hsmuser}
USER_LIMIT=${HSM_SLURM_USER_LIMIT:-20}
LIMITED_ACCOUNT=hsmusers
LIMITED_QOS=hsmcap
TIMEOUT=${HSM_SLURM_TIMEOUT:-90}
LOG_DIR=$STATE_DIR/log
PID_DIR=$STATE_DIR/pids
SLURM_CONF=/etc/slurm/slurm.conf
DBD_CONF=/etc/slurm/slurmdbd.conf
MARKER="# Managed by hsm scripts/slurm-cluster.sh: rewritten by 'up', edits are lost."
PACKAGES=(munge slurmctld slurmd slurm-client slurmdbd mariadb-server)
DAEMONS=(munged mariadbd slurmdbd slurmctld slurmd) # start order; `down` uses the reverse
# Pid files the daemons leave behind in /run (a stale slurmctld one breaks apt-get remove).
RUN_PIDFILES=(/run/munge/munged.pid /run/mysqld/mysqld.pid /run/slurmdbd.pid
  /run/slurmctld.pid /run/slurmd.pid)
NODE=$(hostname -s)

log() { printf '[slurm-cluster] %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# Print the last lines of every daemon log, so a CI failure explains itself.
show_logs() {
  local d f
  for d in "${DAEMONS[@]}"; do
    f=$LOG_DIR/$d.log
    [[ -f $f ]] || continue
    printf '\n===== tail -n 25 %s =====\n' "$f" >&2
    tail -n 25 "$f" >&2 || true
  done
}

die_with_logs() {
  log "ERROR: $*"
  show_logs
  if command -v sinfo >/dev/null; then
    printf '\n===== sinfo / squeue =====\n' >&2
    timeout 10 sinfo >&2 || true
    timeout 10 squeue >&2 || true
  fi
  exit 1
}

# --- processes ----------------------------------------------------------------------

# True if the pid exists and is not a zombie. PID 1 here is not an init that reaps
# promptly, so a killed daemon can linger as a zombie for about a second.
alive() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $st != Z* ]]
}

# Live (non-zombie) pids whose process name is exactly $1.
running_pids() {
  local pid
  for pid in $(pgrep -x "$1" || true); do
    if alive "$pid"; then echo "$pid"; fi
  done
}

# Pid of the daemon $1 if this script started it and it still runs (checks the name, so a
# recycled pid is never mistaken for ours).
owned_pid() {
  local f=$PID_DIR/$1.pid pid
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" &&
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$1" ]] || return 1
  echo "$pid"
}

# The command line for each daemon. All run in the foreground (we own the pid directly).
set_cmd() {
  case $1 in
  munged) CMD=(setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --foreground) ;;
  mariadbd) CMD=(/usr/sbin/mariadbd --user=mysql) ;;
  slurmdbd) CMD=(/usr/sbin/slurmdbd -D) ;;
  slurmctld) CMD=(/usr/sbin/slurmctld -D) ;;
  slurmd) CMD=(/usr/sbin/slurmd -D -N "$NODE") ;;
  *) die "unknown daemon $1" ;;
  esac
}

# Does the daemon answer? (slurmd is judged later, by sinfo showing the node up.)
healthy() {
  case $1 in
  munged) munge -n 2>/dev/null | unmunge >/dev/null 2>&1 ;;
  mariadbd) mariadb-admin --connect-timeout=2 ping >/dev/null 2>&1 ;;
  slurmdbd) timeout 10 sacctmgr -n -P list cluster format=cluster >/dev/null 2>&1 ;;
  slurmctld) [[ $(timeout 10 scontrol ping 2>/dev/null) == *"is UP"* ]] ;;
  slurmd) [[ -n $(running_pids slurmd) ]] ;;
  esac
}

# Remove /run pid files whose process is gone.
clean_stale_pidfiles() {
  local f pid
  for f in "${RUN_PIDFILES[@]}"; do
    [[ -f $f ]] || continue
    pid=$(tr -dc '0-9' <"$f")
    if [[ -z $pid ]] || ! alive "$pid"; then rm -f "$f"; fi
  done
}

start_daemon() {
  local name=$1
  set_cmd "$name"
  log "starting $name"
  printf '\n=== %s: started by slurm-cluster.sh: %s\n' "$(date -Is)" "${CMD[*]}" \
    >>"$LOG_DIR/$name.log"
  (
    # Close inherited fds above 2 (our lock, a caller's pipes): a daemon holding a
    # caller's pipe open would hang a caller that reads our output to EOF.
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then eval "exec $fd>&-"; fi
    done
    # setsid: leave the caller's session so its Ctrl-C/SIGHUP do not reach the daemon.
    # We are not a process-group leader, so setsid execs in place and $! is the daemon.
    exec setsid "${CMD[@]}" </dev/null >>"$LOG_DIR/$name.log" 2>&1
  ) &
  echo "$!" >"$PID_DIR/$name.pid"
}

# Wait up to $2 s for daemon $1 to answer; with a pid $3, fail fast if it dies.
wait_healthy() {
  local name=$1 end=$((SECONDS + $2)) pid=${3:-}
  while ! healthy "$name"; do
    if [[ -n $pid ]] && ! alive "$pid"; then die_with_logs "$name (pid $pid) exited"; fi
    ((SECONDS < end)) || return 1
    sleep 0.2
  done
}

stop_owned() {
  local name=$1 pid end
  pid=$(owned_pid "$name") || {
    rm -f "$PID_DIR/$name.pid"
    return 0
  }
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  end=$((SECONDS + 30))
  while alive "$pid" && ((SECONDS < end)); do sleep 0.2; done
  if alive "$pid"; then
    log "$name did not stop in 30 s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while alive "$pid"; do sleep 0.2; done
  fi
  rm -f "$PID_DIR/$name.pid"
}

# Leave a healthy daemon alone; otherwise (re)start it and wait until it answers.
ensure_daemon() {
  local name=$1
  if [[ -n $(running_pids "$name") ]]; then
    # It may still be starting up: give it a moment before judging.
    if wait_healthy "$name" 15; then
      log "$name already running"
      return 0
    fi
    owned_pid "$name" >/dev/null ||
      die_with_logs "$name runs (not started by this script) but does not answer"
    log "$name runs but does not answer: restarting it"
    stop_owned "$name"
  fi
  clean_stale_pidfiles
  start_daemon "$name"
  wait_healthy "$name" 30 "$(<"$PID_DIR/$name.pid")" ||
    die_with_logs "$name did not answer within 30 s"
}

# --- installation and configuration -------------------------------------------------

ensure_packages() {
  local p missing=()
  for p in "${PACKAGES[@]}"; do
    [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] ||
      missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]} (log: $LOG_DIR/apt.log)"
  export DEBIAN_FRONTEND=noninteractive
  {
    apt-get update &&
      apt-get install -y --no-install-recommends "${PACKAGES[@]}"
  } </dev/null >>"$LOG_DIR/apt.log" 2>&1 || {
    tail -n 30 "$LOG_DIR/apt.log" >&2
    die "apt-get failed"
  }
}

# Write $1 from stdin only if the content differs; return 0 if it changed.
write_if_changed() {
  local dest=$1 tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if [[ -f $dest ]] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"
    return 1
  fi
  # Keep a copy of a config this script did not write.
  if [[ -f $dest ]] && ! grep -qF "$MARKER" "$dest"; then cp -p "$dest" "$dest.hsm-bak"; fi
  mv "$tmp" "$dest"
  return 0
}

setup_munge() {
  install -d -o munge -g munge -m 0700 /etc/munge
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
  if [[ ! -s /etc/munge/munge.key ]]; then
    log "creating munge key"
    head -c 1024 /dev/urandom >/etc/munge/munge.key
  fi
  # munged refuses a key that is not owned by it with mode 0400.
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
}

setup_dirs() {
  install -d -m 0755 "$STATE_DIR" "$STATE_DIR/slurmd"
  install -d -m 0700 "$PID_DIR"
  # slurmctld runs as user slurm and writes its state and the jobcomp file.
  install -d -o slurm -g slurm -m 0755 "$LOG_DIR" "$STATE_DIR/slurmctld"
  install -d -o mysql -g mysql -m 0755 /run/mysqld
  # slurmctld aborts if its state dir belongs to another cluster name: ours is disposable.
  local cn=$STATE_DIR/slurmctld/clustername
  if [[ -f $cn && $(<"$cn") != "$CLUSTER" && -z $(running_pids slurmctld) ]]; then
    log "controller state belongs to cluster '$(<"$cn")': moving it aside"
    mv "$STATE_DIR/slurmctld" "$STATE_DIR/slurmctld.old.$(date +%s)"
    install -d -o slurm -g slurm -m 0755 "$STATE_DIR/slurmctld"
  fi
}

# Sets CHANGED_SLURM_CONF=1 if slurm.conf was rewritten.
write_slurm_conf() {
  local cpus mem
  cpus=${HSM_SLURM_CPUS:-$(($(nproc) > 8 ? $(nproc) : 8))}
  mem=$(awk '/^MemTotal:/ {printf "%d", $2 * 0.9 / 1024}' /proc/meminfo)
  install -d -m 0755 /etc/slurm
  CHANGED_SLURM_CONF=0
  if write_if_changed "$SLURM_CONF" <<EOF; then CHANGED_SLURM_CONF=1; fi
$MARKER
ClusterName=$CLUSTER
# The host name need not resolve: every address is given explicitly.
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$STATE_DIR/slurmctld
SlurmdSpoolDir=$STATE_DIR/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
# config_overrides: the node may advertise more CPUs than it has (faster tests).
SlurmdParameters=config_overrides
# No cgroups in containers/VMs without systemd.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# The default delays start only about 2 jobs every 3 s.
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
ReturnToService=2
MaxArraySize=10001
# The default MaxJobCount (10000) counts every array task, so a 10,000-task benchmark
# array next to other jobs would be refused with "Resource temporarily unavailable".
MaxJobCount=100000
# Finished jobs stay visible in squeue for 30-90 s.
MinJobAge=30
MailProg=/bin/true
JobCompType=jobcomp/filetxt
JobCompLoc=$LOG_DIR/jobcomp.log
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=6819
# Enforce association and QOS limits (MaxSubmitJobsPerUser...); a change of this line
# needs a controller restart, a reconfigure is not enough. Root bypasses the limits.
AccountingStorageEnforce=associations,limits,qos
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus Boards=1 SocketsPerBoard=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  chmod 0644 "$SLURM_CONF"
}

# MariaDB data dir, database and user; the password is generated once and kept.
setup_database() {
  local pw_file=$STATE_DIR/dbpass pw
  if [[ ! -d /var/lib/mysql/mysql ]]; then
    log "initialising MariaDB data dir"
    mariadb-install-db --user=mysql --skip-test-db </dev/null >>"$LOG_DIR/mariadb-install.log" 2>&1 ||
      die_with_logs "mariadb-install-db failed"
  fi
  ensure_daemon mariadbd
  if [[ ! -s $pw_file ]]; then
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$pw_file")
  fi
  pw=$(<"$pw_file")
  # Root logs in over the unix socket (unix_socket auth, Debian's default).
  mariadb -u root <<EOF || die_with_logs "creating the accounting database failed"
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '$pw';
ALTER USER 'slurm'@'localhost' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON slurm_acct_db.* TO 'slurm'@'localhost';
EOF
  CHANGED_DBD_CONF=0
  if write_if_changed "$DBD_CONF" <<EOF; then CHANGED_DBD_CONF=1; fi
$MARKER
AuthType=auth/munge
# slurmdbd only accepts DbdHost equal to its host name or "localhost".
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=6819
SlurmUser=slurm
PidFile=/run/slurmdbd.pid
StorageType=accounting_storage/mysql
# "localhost" makes the client use the unix socket /run/mysqld/mysqld.sock.
StorageHost=localhost
StorageUser=slurm
StoragePass=$pw
StorageLoc=slurm_acct_db
EOF
  # slurmdbd refuses a config readable by others or not owned by SlurmUser.
  chown slurm:slurm "$DBD_CONF"
  chmod 0600 "$DBD_CONF"
}

# The ordinary user whose QOS caps its queued jobs (tests of hsm's feeder run as it).
# sacctmgr pushes the records to a running controller: no restart needed.
setup_limited_user() {
  local out
  if ! id -u "$LIMITED_USER" >/dev/null 2>&1; then
    log "creating user $LIMITED_USER"
    useradd --create-home --shell /bin/bash "$LIMITED_USER" ||
      die "useradd $LIMITED_USER failed"
  fi
  sacctmgr_ensure "account $LIMITED_ACCOUNT" \
    "show account $LIMITED_ACCOUNT format=account" \
    add account "$LIMITED_ACCOUNT" cluster="$CLUSTER" description=hsm-tests organization=hsm
  sacctmgr_ensure "qos $LIMITED_QOS" "show qos $LIMITED_QOS format=name" add qos "$LIMITED_QOS"
  out=$(timeout 20 sacctmgr -n -P show qos "$LIMITED_QOS" format=MaxSubmitPU 2>&1) ||
    die_with_logs "sacctmgr show qos $LIMITED_QOS failed: $out"
  if [[ $out != "$USER_LIMIT" ]]; then
    log "setting MaxSubmitJobsPerUser=$USER_LIMIT on qos $LIMITED_QOS"
    timeout 20 sacctmgr -i modify qos "$LIMITED_QOS" set MaxSubmitJobsPerUser="$USER_LIMIT" \
      >>"$LOG_DIR/sacctmgr.log" 2>&1 || die_with_logs "sacctmgr modify qos failed"
  fi
  sacctmgr_ensure "association of $LIMITED_USER" \
    "show assoc user=$LIMITED_USER account=$LIMITED_ACCOUNT format=user" \
    add user "$LIMITED_USER" account="$LIMITED_ACCOUNT" cluster="$CLUSTER" \
    qos="$LIMITED_QOS" defaultqos="$LIMITED_QOS"
}

# sacctmgr_ensure WHAT QUERY ADD-ARGS...: run `sacctmgr -i ADD-ARGS` unless QUERY (words
# split on spaces) already lists something.
sacctmgr_ensure() {
  local what=$1 out
  local -a query
  read -r -a query <<<"$2"
  shift 2
  out=$(timeout 20 sacctmgr -n -P "${query[@]}" 2>&1) ||
    die_with_logs "sacctmgr ${query[*]} failed: $out"
  [[ -n $out ]] && return 0
  log "adding $what"
  timeout 20 sacctmgr -i "$@" >>"$LOG_DIR/sacctmgr.log" 2>&1 ||
    die_with_logs "sacctmgr $* failed (see $LOG_DIR/sacctmgr.log)"
}

# --- readiness ---------------------------------------------------------------------

# Wait until the node is usable and a probe job has finished and reached sacct.
wait_ready() {
  local end=$((SECONDS + TIMEOUT)) state="" id="" acct=""
  while ((SECONDS < end)); do
    state=$(timeout 10 sinfo -h -N -n "$NODE" -o %t 2>/dev/null) || state=""
    state=${state%%$'\n'*} # first line (no `| head`: with pipefail, SIGPIPE fails it)
    # idle on a fresh cluster; mix/alloc when a developer's jobs are running.
    [[ $state =~ ^(idle|mix|alloc)$ ]] && break
    sleep 0.3
  done
  [[ $state =~ ^(idle|mix|alloc)$ ]] ||
    die_with_logs "node $NODE not usable after ${TIMEOUT}s (state: '${state:-none}')"
  # sinfo says idle a few seconds before the first job really starts: probe with a job.
  while ((SECONDS < end)) && [[ -z $id ]]; do
    id=$(timeout 10 sbatch --parsable -J hsm-probe -D / -o /dev/null -e /dev/null \
      --wrap true 2>/dev/null) || id=""
    id=${id%%;*}
    [[ -n $id ]] || sleep 0.5
  done
  [[ -n $id ]] || die_with_logs "could not submit a probe job within ${TIMEOUT}s"
  while ((SECONDS < end)); do
    acct=$(timeout 10 sacct -n -P -X -o State -j "$id" 2>/dev/null) || acct=""
    acct=${acct%%$'\n'*}
    case $acct in
    COMPLETED) return 0 ;;
    FAILED* | CANCELLED* | NODE_FAIL* | TIMEOUT* | OUT_OF_ME* | BOOT_FAIL* | DEADLINE*)
      die_with_logs "probe job $id ended as $acct" ;;
    esac
    sleep 0.2
  done
  die_with_logs "probe job $id not COMPLETED in sacct after ${TIMEOUT}s (sacct: '${acct:-none}')"
}

# --- commands ------------------------------------------------------------------------

cmd_up() {
  local start=$SECONDS d
  [[ $EUID -eq 0 ]] || die "must run as root"
  install -d -m 0755 "$STATE_DIR" "$LOG_DIR"
  # One `up`/`down` at a time (fd 9 is closed in every daemon we start).
  exec 9>"$STATE_DIR/lock"
  flock -w 300 9 || die "another slurm-cluster.sh holds $STATE_DIR/lock"

  ensure_packages
  setup_dirs
  setup_munge
  write_slurm_conf
  ensure_daemon munged
  setup_database # starts mariadbd, writes slurmdbd.conf

  # A daemon we started with an older config must be restarted to see the new one.
  if ((CHANGED_DBD_CONF)) && owned_pid slurmdbd >/dev/null; then stop_owned slurmdbd; fi
  if ((CHANGED_SLURM_CONF)); then
    for d in slurmd slurmctld; do
      if owned_pid "$d" >/dev/null; then
        stop_owned "$d"
      elif [[ -n $(running_pids "$d") ]]; then
        log "WARNING: slurm.conf changed but $d was not started by this script: restart it"
      fi
    done
  fi

  ensure_daemon slurmdbd
  # The controller registers with slurmdbd under a cluster that must already exist.
  local clusters
  clusters=$(timeout 20 sacctmgr -n -P list cluster format=cluster 2>&1) ||
    die_with_logs "sacctmgr list cluster failed: $clusters"
  if ! grep -qx "$CLUSTER" <<<"$clusters"; then
    log "adding cluster $CLUSTER to slurmdbd"
    timeout 20 sacctmgr -i add cluster "$CLUSTER" >>"$LOG_DIR/sacctmgr.log" 2>&1 ||
      die_with_logs "sacctmgr add cluster $CLUSTER failed"
  fi
  ensure_daemon slurmctld
  ensure_daemon slurmd
  setup_limited_user

  wait_ready
  log "cluster '$CLUSTER' ready on node $NODE in $((SECONDS - start)) s (logs: $LOG_DIR)"
}

cmd_down() {
  local i stopped=0
  [[ $EUID -eq 0 ]] || die "must run as root"
  [[ -d $PID_DIR ]] || {
    log "nothing to stop ($PID_DIR does not exist)"
    return 0
  }
  exec 9>"$STATE_DIR/lock"
  flock -w 300 9 || die "another slurm-cluster.sh holds $STATE_DIR/lock"
  for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do
    if owned_pid "${DAEMONS[i]}" >/dev/null; then stopped=$((stopped + 1)); fi
    stop_owned "${DAEMONS[i]}"
  done
  clean_stale_pidfiles
  log "stopped $stopped daemon(s) started by this script; others were left alone"
}

cmd_status() {
  local d pids note ok=0
  for d in "${DAEMONS[@]}"; do
    pids=$(running_pids "$d" | tr '\n' ' ')
    note=""
    if owned_pid "$d" >/dev/null; then note=" (started by slurm-cluster.sh)"; fi
    if [[ -n $pids ]]; then
      printf '%-10s running, pid %s%s\n' "$d" "${pids% }" "$note"
    else
      printf '%-10s not running\n' "$d"
    fi
  done
  if command -v sinfo >/dev/null && timeout 15 sinfo; then ok=1; fi
  ((ok)) || {
    echo "the Slurm controller does not answer"
    return 1
  }
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
*)
  echo "usage: $0 up|down|status" >&2
  exit 2
  ;;
esac
