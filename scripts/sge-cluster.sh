#!/usr/bin/env bash
# Install and run a REAL single-host Son of Grid Engine 8.1.9 cell (Debian 12's gridengine
# packages) without systemd, for hsm's CI and developers. Run as root. It coexists with
# scripts/slurm-cluster.sh: SGE listens on 6444 (qmaster) and 6445 (execd), Slurm on 681x.
#
# Usage: scripts/sge-cluster.sh up|down|status
#   up      install packages if missing, configure the cell (this host is admin, submit and
#           exec host; queue all.q with one slot per CPU; parallel environment smp; short
#           scheduler intervals; accounting written at once), start the daemons that are not
#           running, then wait until a probe job has run and is visible in `qacct -j`.
#           Idempotent: a second `up` only checks.
#   down    stop only the daemons that `up` started (their pids are in the state dir).
#   status  show each daemon, `qhost` and `qstat -f`; exit 0 if the qmaster answers.
#
# Jobs can be submitted by root (the cell's min_uid/min_gid are set to 0; the package default
# of 1000 refuses root) and by the ordinary user hsmsge, which `up` creates.
#
# Environment:
#   HSM_SGE_STATE         state dir: pids, daemon start logs, lock (/var/lib/hsm-sge)
#   HSM_SGE_SLOTS         slots of all.q and of the smp PE (default: nproc)
#   HSM_SGE_MAX_AJ_TASKS  global max_aj_tasks, the largest array task index (default 75000)
#   HSM_SGE_TIMEOUT       seconds `up` waits for each daemon and the probe job (default 90)
#   HSM_SGE_USER          the ordinary user created for tests (default hsmsge)
set -euo pipefail

STATE_DIR=${HSM_SGE_STATE:-/var/lib/hsm-sge}
TIMEOUT=${HSM_SGE_TIMEOUT:-90}
SLOTS=${HSM_SGE_SLOTS:-$(nproc)}
MAX_AJ_TASKS=${HSM_SGE_MAX_AJ_TASKS:-75000}
TEST_USER=${HSM_SGE_USER:-hsmsge}
LOG_DIR=$STATE_DIR/log
PID_DIR=$STATE_DIR/pids
# Fixed by Debian's packages (see /etc/default/gridengine and the bootstrap file).
export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
COMMON=$SGE_ROOT/$SGE_CELL/common
SPOOL=/var/spool/gridengine
QUEUE=all.q
PE=smp
PACKAGES=(gridengine-master gridengine-exec gridengine-client)
DAEMONS=(sge_qmaster sge_execd) # start order; `down` uses the reverse
HOST=$(hostname)

log() { printf '[sge-cluster] %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# Print the last lines of the daemons' own message files, so a CI failure explains itself.
show_logs() {
  local f
  for f in "$LOG_DIR"/*.log "$SPOOL"/qmaster/messages "$SPOOL"/execd/*/messages; do
    [[ -f $f ]] || continue
    printf '\n===== tail -n 25 %s =====\n' "$f" >&2
    tail -n 25 "$f" >&2 || true
  done
}

die_with_logs() {
  log "ERROR: $*"
  show_logs
  if command -v qstat >/dev/null; then
    printf '\n===== qhost / qstat -f -u * =====\n' >&2
    timeout 10 qhost >&2 || true
    timeout 10 qstat -f -u '*' >&2 || true
  fi
  exit 1
}

# --- processes ----------------------------------------------------------------------

# True if the pid exists and is not a zombie.
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

# Does the daemon answer? (sge_execd is judged by qhost showing a load for this host.)
healthy() {
  case $1 in
  sge_qmaster) timeout 10 qconf -sh >/dev/null 2>&1 ;;
  sge_execd) execd_reports ;;
  esac
}

# The execd has registered and sent a load report: qhost shows numbers, not "-".
execd_reports() {
  local line
  line=$(timeout 10 qhost -h "$HOST" 2>/dev/null | awk -v h="$HOST" '$1 == h') || return 1
  [[ -n $line ]] && [[ $(awk '{print $4}' <<<"$line") != "-" ]]
}

# Start a daemon the way /etc/init.d/gridengine-{master,exec} do (the /usr/sbin wrapper,
# which sets SGE_ROOT/SGE_CELL, then the daemon forks into the background). The forked
# daemon's pid is taken from the only process of that name once it is there.
start_daemon() {
  local name=$1 end pid=""
  log "starting $name"
  printf '\n=== %s: started by sge-cluster.sh: /usr/sbin/%s\n' "$(date -Is)" "$name" \
    >>"$LOG_DIR/$name.log"
  (
    # Close inherited fds above 2 (our lock, a caller's pipes): a daemon holding a
    # caller's pipe open would hang a caller that reads our output to EOF.
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then eval "exec $fd>&-"; fi
    done
    cd /
    # setsid: leave the caller's session so its Ctrl-C/SIGHUP do not reach the daemon.
    # env -i: jobs inherit sge_execd's environment (on top of what SGE sets), so start it
    # with the bare environment an init script would give, not the caller's.
    exec setsid env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      LANG=C.UTF-8 "/usr/sbin/$name" </dev/null >>"$LOG_DIR/$name.log" 2>&1
  ) || die_with_logs "$name failed to start (exit $?)"
  end=$((SECONDS + 30))
  while ((SECONDS < end)); do
    pid=$(running_pids "$name")
    [[ -n $pid && $pid != *$'\n'* ]] && break
    pid=""
    sleep 0.2
  done
  [[ -n $pid ]] || die_with_logs "$name is not running after its start"
  echo "$pid" >"$PID_DIR/$name.pid"
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
  # sge_qmaster and sge_execd shut down in an orderly way on SIGTERM (2-4 s here).
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
    if wait_healthy "$name" 15; then
      log "$name already running"
      return 0
    fi
    owned_pid "$name" >/dev/null ||
      die_with_logs "$name runs (not started by this script) but does not answer"
    log "$name runs but does not answer: restarting it"
    stop_owned "$name"
  fi
  start_daemon "$name"
  wait_healthy "$name" "$TIMEOUT" "$(<"$PID_DIR/$name.pid")" ||
    die_with_logs "$name did not answer within ${TIMEOUT}s"
}

# --- installation --------------------------------------------------------------------

# SGE insists that the name a client calls itself (gethostname) equals the name its
# address resolves to at the qmaster. With "127.0.0.1 localhost ... $HOST" in /etc/hosts
# the address resolves to "localhost", and every command fails with "client IP resolved to
# host name "localhost". This is not identical to clients host name". The cell's
# host_aliases file makes those names one host.
ensure_host_resolves() {
  if ! getent hosts "$HOST" >/dev/null; then
    log "host name $HOST does not resolve: adding it to /etc/hosts"
    printf '127.0.0.1\t%s\t# added by hsm scripts/sge-cluster.sh\n' "$HOST" >>/etc/hosts
  fi
}

# Names that this host's addresses resolve back to, other than $HOST (one per line).
host_alias_names() {
  local addr name
  {
    getent ahostsv4 "$HOST" | awk '{print $1}'
    echo 127.0.0.1
  } | sort -u | while read -r addr; do
    name=$(getent hosts "$addr" | awk '{print $2; exit}') || true
    [[ -n $name && $name != "$HOST" ]] && echo "$name"
  done | sort -u
}

ensure_packages() {
  local p missing=()
  for p in "${PACKAGES[@]}"; do
    [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] ||
      missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]} (log: $LOG_DIR/apt.log)"
  # The packages ask three shared questions; with these answers gridengine-master's
  # postinst initialises the cell "default" (berkeleydb spool, sgeadmin as manager) and
  # gridengine-client writes act_qmaster. Their init scripts are not run (no systemd,
  # policy-rc.d): we start the daemons ourselves.
  local owner
  for owner in gridengine-common gridengine-client gridengine-master gridengine-exec; do
    printf '%s shared/gridengineconfig boolean true\n' "$owner"
    printf '%s shared/gridenginecell string %s\n' "$owner" "$SGE_CELL"
    printf '%s shared/gridenginemaster string %s\n' "$owner" "$HOST"
  done | debconf-set-selections
  export DEBIAN_FRONTEND=noninteractive
  {
    apt-get update &&
      apt-get install -y --no-install-recommends "${PACKAGES[@]}"
  } </dev/null >>"$LOG_DIR/apt.log" 2>&1 || {
    tail -n 30 "$LOG_DIR/apt.log" >&2
    die "apt-get failed"
  }
}

# Sets CHANGED_ALIASES=1 if host_aliases was rewritten (the daemons must then restart).
setup_cell_files() {
  [[ -f $COMMON/bootstrap ]] ||
    die "$COMMON/bootstrap is missing: purge the gridengine packages and run up again"
  if [[ ! -e $SPOOL/spooldb/sge ]]; then
    # Packages installed earlier without debconf's "configure automatically".
    log "initialising the cell spool"
    su -s /bin/sh -c "/usr/share/gridengine/scripts/init_cluster $SGE_ROOT $SGE_CELL \
      $SPOOL/spooldb sgeadmin" sgeadmin </dev/null >>"$LOG_DIR/init_cluster.log" 2>&1 ||
      die_with_logs "init_cluster failed"
  fi
  if [[ $(cat "$COMMON/act_qmaster" 2>/dev/null) != "$HOST" ]]; then
    echo "$HOST" >"$COMMON/act_qmaster"
  fi
  local aliases want
  aliases=$(host_alias_names | tr '\n' ' ')
  want="$HOST${aliases:+ ${aliases% }}"
  CHANGED_ALIASES=0
  if [[ $want != "$HOST" ]]; then
    if [[ $(cat "$COMMON/host_aliases" 2>/dev/null) != "$want" ]]; then
      log "host_aliases: $want"
      echo "$want" >"$COMMON/host_aliases"
      CHANGED_ALIASES=1
    fi
  elif [[ -f $COMMON/host_aliases ]]; then
    rm -f "$COMMON/host_aliases"
    CHANGED_ALIASES=1
  fi
  chown sgeadmin:sgeadmin "$COMMON"/act_qmaster "$COMMON"/host_aliases 2>/dev/null || true
  install -d -o sgeadmin -g sgeadmin -m 0755 /run/gridengine
}

ensure_user() {
  if ! id "$TEST_USER" >/dev/null 2>&1; then
    log "creating the ordinary user $TEST_USER"
    useradd --create-home --shell /bin/bash "$TEST_USER"
  fi
}

# --- cell configuration (kept in the qmaster's spool; only changed when it differs) ----

# Print config text from stdin with "key value" lines replaced by those given as
# arguments (key=value); continuation lines (trailing backslash) are joined first.
set_keys() {
  sed -e '/^#/d' -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta' |
    awk -v settings="$(printf '%s\n' "$@")" '
      BEGIN {
        n = split(settings, kv, "\n")
        for (i = 1; i <= n; i++) {
          p = index(kv[i], "="); if (!p) continue
          want[substr(kv[i], 1, p - 1)] = substr(kv[i], p + 1)
        }
      }
      NF {
        k = $1
        if (k in want) { printf "%-33s %s\n", k, want[k]; seen[k] = 1 }
        else print
      }
      END { for (k in want) if (!(k in seen)) printf "%-33s %s\n", k, want[k] }'
}

# Normalised form of a config, to compare what is with what we want.
normalise() { sed -e '/^#/d' -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta' | awk 'NF {$1 = $1; print}'; }

configure_cell() {
  local tmp cur want
  tmp=$(mktemp -d)
  # Hosts. (The qmaster host is an admin host from the start.)
  timeout 20 qconf -sh 2>/dev/null | grep -x "$HOST" >/dev/null ||
    timeout 20 qconf -ah "$HOST" >>"$LOG_DIR/qconf.log" 2>&1 || die_with_logs "qconf -ah $HOST failed"
  timeout 20 qconf -ss 2>/dev/null | grep -x "$HOST" >/dev/null ||
    timeout 20 qconf -as "$HOST" >>"$LOG_DIR/qconf.log" 2>&1 ||
    die_with_logs "qconf -as $HOST failed"

  # Global configuration. -Mconf takes the configuration's name from the file name.
  # min_uid/min_gid 0: the package default 1000 refuses jobs of root.
  # accounting_flush_time 0: accounting records are written when a job ends (the default
  # flush_time 15 s would delay `qacct` by up to 15 s).
  cur=$(timeout 20 qconf -sconf global) || die_with_logs "qconf -sconf failed"
  set_keys min_uid=0 min_gid=0 "max_aj_tasks=$MAX_AJ_TASKS" \
    "reporting_params=accounting=true reporting=false flush_time=00:00:01 joblog=false sharelog=00:00:00 accounting_flush_time=00:00:00" \
    <<<"$cur" >"$tmp/global"
  if [[ $(normalise <<<"$cur") != $(normalise <"$tmp/global") ]]; then
    log "setting the global configuration (min_uid 0, max_aj_tasks $MAX_AJ_TASKS, accounting)"
    timeout 20 qconf -Mconf "$tmp/global" >>"$LOG_DIR/qconf.log" 2>&1 ||
      die_with_logs "qconf -Mconf failed"
    CHANGED_GLOBAL=1
  fi

  # Scheduler: run every second and right after submits/finishes (default: every 15 s);
  # no load adjustments, so only slots limit how many jobs start at once.
  cur=$(timeout 20 qconf -ssconf) || die_with_logs "qconf -ssconf failed"
  set_keys schedule_interval=0:0:1 flush_submit_sec=1 flush_finish_sec=1 \
    job_load_adjustments=NONE load_adjustment_decay_time=0:0:0 <<<"$cur" >"$tmp/sconf"
  if [[ $(normalise <<<"$cur") != $(normalise <"$tmp/sconf") ]]; then
    log "setting the scheduler configuration (schedule_interval 0:0:1)"
    timeout 20 qconf -Msconf "$tmp/sconf" >>"$LOG_DIR/qconf.log" 2>&1 ||
      die_with_logs "qconf -Msconf failed"
  fi

  # Execution host.
  if ! timeout 20 qconf -sel 2>/dev/null | grep -x "$HOST" >/dev/null; then
    printf '%s\n' "hostname $HOST" "load_scaling NONE" "complex_values NONE" \
      "user_lists NONE" "xuser_lists NONE" "projects NONE" "xprojects NONE" \
      "usage_scaling NONE" "report_variables NONE" >"$tmp/exechost"
    timeout 20 qconf -Ae "$tmp/exechost" >>"$LOG_DIR/qconf.log" 2>&1 ||
      die_with_logs "qconf -Ae failed"
  fi

  # Parallel environment smp (none exists by default), all slots on one host.
  cat >"$tmp/pe" <<EOF
pe_name            $PE
slots              $SLOTS
user_lists         NONE
xuser_lists        NONE
start_proc_args    NONE
stop_proc_args     NONE
allocation_rule    \$pe_slots
control_slaves     FALSE
job_is_first_task  TRUE
urgency_slots      min
accounting_summary FALSE
qsort_args         NONE
EOF
  if ! cur=$(timeout 20 qconf -sp "$PE" 2>/dev/null); then
    timeout 20 qconf -Ap "$tmp/pe" >>"$LOG_DIR/qconf.log" 2>&1 || die_with_logs "qconf -Ap failed"
  elif [[ $(normalise <<<"$cur") != $(normalise <"$tmp/pe") ]]; then
    timeout 20 qconf -Mp "$tmp/pe" >>"$LOG_DIR/qconf.log" 2>&1 || die_with_logs "qconf -Mp failed"
  fi

  # Queue all.q: the package's template with this host, $SLOTS slots, the smp PE and no
  # load threshold (the default np_load_avg=1.75 would stop scheduling on a busy 2-CPU host).
  local -a qattrs=("hostlist=$HOST" "slots=$SLOTS" "pe_list=$PE" "load_thresholds=NONE")
  if ! cur=$(timeout 20 qconf -sq "$QUEUE" 2>/dev/null); then
    log "creating queue $QUEUE ($SLOTS slots)"
    queue_template | set_keys "${qattrs[@]}" >"$tmp/queue"
    timeout 20 qconf -Aq "$tmp/queue" >>"$LOG_DIR/qconf.log" 2>&1 || die_with_logs "qconf -Aq failed"
  else
    local kv k v have
    for kv in "${qattrs[@]}"; do
      k=${kv%%=*} v=${kv#*=}
      have=$(normalise <<<"$cur" | awk -v k="$k" '$1 == k {$1 = ""; sub(/^ /, ""); print}')
      if [[ $have != "$v" ]]; then
        log "queue $QUEUE: $k $have -> $v"
        timeout 20 qconf -mattr queue "$k" "$v" "$QUEUE" >>"$LOG_DIR/qconf.log" 2>&1 ||
          die_with_logs "qconf -mattr queue $k failed"
      fi
    done
  fi
  rm -rf "$tmp"
}

# `qconf -aq`'s template in SGE 8.1.9 (values from the package defaults).
queue_template() {
  cat <<'EOF'
qname                 all.q
hostlist              NONE
seq_no                0
load_thresholds       np_load_avg=1.75
suspend_thresholds    NONE
nsuspend              1
suspend_interval      00:05:00
priority              0
min_cpu_interval      00:05:00
processors            UNDEFINED
qtype                 BATCH INTERACTIVE
ckpt_list             NONE
pe_list               make smp mpi
rerun                 FALSE
slots                 1
tmpdir                /tmp
shell                 /bin/sh
prolog                NONE
epilog                NONE
shell_start_mode      posix_compliant
starter_method        NONE
suspend_method        NONE
resume_method         NONE
terminate_method      NONE
notify                00:00:60
owner_list            NONE
user_lists            NONE
xuser_lists           NONE
subordinate_list      NONE
complex_values        NONE
projects              NONE
xprojects             NONE
calendar              NONE
initial_state         default
s_rt                  INFINITY
h_rt                  INFINITY
s_cpu                 INFINITY
h_cpu                 INFINITY
s_fsize               INFINITY
h_fsize               INFINITY
s_data                INFINITY
h_data                INFINITY
s_stack               INFINITY
h_stack               INFINITY
s_core                INFINITY
h_core                INFINITY
s_rss                 INFINITY
h_rss                 INFINITY
s_vmem                INFINITY
h_vmem                INFINITY
EOF
}

# A queue instance left in error (E) or disabled (d) state by an earlier run takes no jobs.
clear_queue_states() {
  local states
  states=$(timeout 10 qstat -f -q "$QUEUE@$HOST" 2>/dev/null |
    awk -v q="$QUEUE@$HOST" '$1 == q {print $6}') || true
  if [[ $states == *E* ]]; then
    log "clearing the error state of $QUEUE@$HOST"
    timeout 10 qmod -cq "$QUEUE@$HOST" >>"$LOG_DIR/qconf.log" 2>&1 || true
  fi
  if [[ $states == *d* ]]; then
    log "enabling $QUEUE@$HOST"
    timeout 10 qmod -e "$QUEUE@$HOST" >>"$LOG_DIR/qconf.log" 2>&1 || true
  fi
}

# --- readiness ---------------------------------------------------------------------

# Wait until a probe job, submitted as the ordinary user, has run and is in `qacct -j`.
wait_ready() {
  local end=$((SECONDS + TIMEOUT)) id="" acct="" failed="" status=""
  while ((SECONDS < end)) && [[ -z $id ]]; do
    id=$(cd / && timeout 10 su -s /bin/sh -c \
      "qsub -terse -b y -N hsm-probe -o /dev/null -e /dev/null /bin/true" "$TEST_USER" \
      </dev/null 2>>"$LOG_DIR/probe.log") || id=""
    [[ $id =~ ^[0-9]+$ ]] || {
      id=""
      sleep 0.5
    }
  done
  [[ -n $id ]] || die_with_logs "could not submit a probe job within ${TIMEOUT}s"
  while ((SECONDS < end)); do
    acct=$(timeout 10 qacct -j "$id" 2>/dev/null) || acct=""
    failed=$(awk '$1 == "failed" {print $2; exit}' <<<"$acct")
    status=$(awk '$1 == "exit_status" {print $2; exit}' <<<"$acct")
    if [[ -n $failed ]]; then
      [[ $failed == 0 && $status == 0 ]] && return 0
      die_with_logs "probe job $id ended with failed=$failed exit_status=$status"
    fi
    sleep 0.2
  done
  die_with_logs "probe job $id not in qacct after ${TIMEOUT}s"
}

# --- commands ------------------------------------------------------------------------

cmd_up() {
  local start=$SECONDS
  [[ $EUID -eq 0 ]] || die "must run as root"
  install -d -m 0755 "$STATE_DIR" "$LOG_DIR"
  install -d -m 0700 "$PID_DIR"
  # One `up`/`down` at a time (fd 9 is closed in every daemon we start).
  exec 9>"$STATE_DIR/lock"
  flock -w 300 9 || die "another sge-cluster.sh holds $STATE_DIR/lock"

  ensure_host_resolves
  ensure_packages
  setup_cell_files
  ensure_user
  if ((CHANGED_ALIASES)); then
    local d
    for d in sge_execd sge_qmaster; do
      if owned_pid "$d" >/dev/null; then stop_owned "$d"; fi
    done
  fi

  CHANGED_GLOBAL=0
  ensure_daemon sge_qmaster
  configure_cell
  # An execd reads the global configuration when it starts (a running one kept refusing
  # root with the old min_gid): restart ours after a change.
  if ((CHANGED_GLOBAL)) && owned_pid sge_execd >/dev/null; then stop_owned sge_execd; fi
  ensure_daemon sge_execd
  clear_queue_states

  wait_ready
  log "cell $SGE_CELL ready on host $HOST in $((SECONDS - start)) s (queue $QUEUE, $SLOTS slots; logs: $LOG_DIR, $SPOOL/*/messages)"
}

cmd_down() {
  local i stopped=0
  [[ $EUID -eq 0 ]] || die "must run as root"
  [[ -d $PID_DIR ]] || {
    log "nothing to stop ($PID_DIR does not exist)"
    return 0
  }
  exec 9>"$STATE_DIR/lock"
  flock -w 300 9 || die "another sge-cluster.sh holds $STATE_DIR/lock"
  for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do
    if owned_pid "${DAEMONS[i]}" >/dev/null; then stopped=$((stopped + 1)); fi
    stop_owned "${DAEMONS[i]}"
  done
  log "stopped $stopped daemon(s) started by this script; others were left alone"
}

cmd_status() {
  local d pids note ok=0
  for d in "${DAEMONS[@]}"; do
    pids=$(running_pids "$d" | tr '\n' ' ')
    note=""
    if owned_pid "$d" >/dev/null; then note=" (started by sge-cluster.sh)"; fi
    if [[ -n $pids ]]; then
      printf '%-12s running, pid %s%s\n' "$d" "${pids% }" "$note"
    else
      printf '%-12s not running\n' "$d"
    fi
  done
  if command -v qstat >/dev/null && timeout 15 qhost && timeout 15 qstat -f; then ok=1; fi
  ((ok)) || {
    echo "the Grid Engine qmaster does not answer"
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
