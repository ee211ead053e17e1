# shellcheck shell=bash
# Shared body of the fake scheduler commands in this directory (fault injection for
# tests only; the real Slurm is tested elsewhere).  The protocol is in README.md.
# Each named script (sbatch, squeue, ...) sources this file and calls fake_main.

fake_count() {
    # Increment and print the per-command call counter; a mkdir lock keeps concurrent
    # calls from losing counts (mkdir is atomic and portable, unlike flock(1)).
    local file=$1 lock=$1.lock n=0 tries=0
    until mkdir "$lock" 2>/dev/null; do
        tries=$((tries + 1))
        if ((tries > 1000)); then
            echo "fake: cannot lock $lock" >&2
            exit 98
        fi
        sleep 0.01
    done
    if [[ -s $file ]]; then
        n=$(<"$file")
    fi
    n=$((n + 1))
    printf '%s\n' "$n" >"$file"
    rmdir "$lock"
    printf '%s\n' "$n"
}

fake_message() {
    # The scheduler's own words for failure kind $2 of command $1.
    local cmd=$1 kind=$2 server=${FAKE_PBS_SERVER:-pbs01} job=${FAKE_JOB_ID:-1001}
    case $cmd:$kind in
        sbatch:transient) echo "sbatch: error: Batch job submission failed: Socket timed out on send/recv operation" ;;
        sbatch:permanent) echo "sbatch: error: Batch job submission failed: Invalid partition name specified" ;;
        sbatch:unknown-job) echo "sbatch: error: Batch job submission failed: Invalid job id specified" ;;
        squeue:transient) echo "squeue: error: slurm_load_jobs error: Unable to contact slurm controller (connect failure)" ;;
        squeue:permanent) echo "squeue: error: Invalid user: nosuchuser" ;;
        squeue:unknown-job) echo "slurm_load_jobs error: Invalid job id specified" ;;
        sacct:transient)
            echo "sacct: error: slurm_persist_conn_open_without_init: failed to open persistent connection to host:slurmdbd:6819: Connection refused"
            echo "sacct: error: Sending PersistInit msg: Connection refused"
            echo "sacct: error: Problem talking to the database: Connection refused"
            ;;
        sacct:permanent) echo "sacct: error: Invalid field requested: \"Bogus\"" ;;
        sacct:unknown-job) echo "sacct: error: Invalid job id specified" ;;
        scancel:transient) echo "scancel: error: Kill job error on job id $job: Unable to contact slurm controller (connect failure)" ;;
        scancel:permanent) echo "scancel: error: Kill job error on job id $job: Access/permission denied" ;;
        scancel:unknown-job) echo "scancel: error: Kill job error on job id $job: Invalid job id specified" ;;
        qsub:transient) echo "qsub: cannot connect to server $server (errno=111)" ;;
        qsub:permanent) echo "qsub: Unknown queue" ;;
        qsub:unknown-job) echo "qsub: Unknown Job Id $job.$server" ;;
        qstat:transient) echo "qstat: cannot connect to server $server (errno=111)" ;;
        qstat:permanent) echo "qstat: Unauthorized Request  $job.$server" ;;
        qstat:unknown-job) echo "qstat: Unknown Job Id $job.$server" ;;
        qdel:transient) echo "qdel: cannot connect to server $server (errno=111)" ;;
        qdel:permanent) echo "qdel: Unauthorized Request  $job.$server" ;;
        qdel:unknown-job) echo "qdel: Unknown Job Id $job.$server" ;;
        *) echo "$cmd: error: unexpected failure" ;;
    esac
}

fake_fail() {
    local cmd=$1 kind=$2 code=1
    # PBS exits with PBSE_UNKJOBID (15001) mod 256 for an unknown job id.
    if [[ $kind == unknown-job && $cmd == q* ]]; then
        code=153
    fi
    if [[ -n ${FAKE_STDERR:-} ]]; then
        printf '%s\n' "$FAKE_STDERR" >&2
    else
        fake_message "$cmd" "$kind" >&2
    fi
    exit "${FAKE_EXIT:-$code}"
}

fake_ok() {
    local cmd=$1 n=$2
    shift 2
    local id=$((${FAKE_FIRST_ID:-1000} + n)) upper=${cmd^^}
    local file_var=FAKE_STDOUT_FILE_$upper text_var=FAKE_STDOUT_$upper
    if [[ -n ${!file_var:-} ]]; then
        cat -- "${!file_var}"
    elif [[ -n ${!text_var+set} ]]; then
        printf '%s' "${!text_var}"
    elif [[ -n ${FAKE_STDOUT_FILE:-} ]]; then
        cat -- "$FAKE_STDOUT_FILE"
    elif [[ -n ${FAKE_STDOUT+set} ]]; then
        printf '%s' "$FAKE_STDOUT"
    elif [[ $cmd == sbatch ]]; then
        local arg parsable=0
        for arg in "$@"; do
            [[ $arg == --parsable ]] && parsable=1
        done
        if ((parsable)); then
            printf '%s\n' "$id"
        else
            printf 'Submitted batch job %s\n' "$id"
        fi
    elif [[ $cmd == qsub ]]; then
        printf '%s.%s\n' "$id" "${FAKE_PBS_SERVER:-pbs01}"
    fi
    exit "${FAKE_EXIT:-0}"
}

fake_hang() {
    # Print a little, then hang with a child in our process group that holds stdout, as a
    # wedged wrapper would; only killing the whole group lets the caller's read finish.
    local cmd=$1 state=$2 child
    printf '%s: waiting for controller\n' "$cmd" >&2
    sleep "${FAKE_SLEEP:-3600}" &
    child=$!
    if [[ -n $state ]]; then
        printf '%s\n' "$child" >"$state/$cmd.child.pid"
        printf '%s\n' "$$" >"$state/$cmd.pid"
    fi
    wait "$child"
    exit "${FAKE_EXIT:-0}"
}

fake_main() {
    local cmd=$1
    shift
    local mode_var="FAKE_MODE_${cmd^^}"
    local mode=${!mode_var:-${FAKE_MODE:-ok}}
    local state=${FAKE_STATE_DIR:-} n=1
    if [[ -n $state ]]; then
        mkdir -p -- "$state"
        n=$(fake_count "$state/$cmd.count") || exit 98
        {
            printf '%q' "$cmd"
            printf ' %q' "$@"
            printf '\n'
        } >>"$state/calls.log"
    fi
    case $mode in
        ok) fake_ok "$cmd" "$n" "$@" ;;
        garbage)
            # Invalid UTF-8, a NUL and a proxy's HTML page: what a broken wrapper prints.
            printf '\xff\xfe<html><body>502 Bad Gateway</body></html>\x00\n%s%%%%%%\n' "$cmd"
            exit "${FAKE_EXIT:-0}"
            ;;
        timeout) fake_hang "$cmd" "$state" ;;
        transient | permanent | unknown-job) fake_fail "$cmd" "$mode" ;;
        transient-then-ok)
            if ((n <= ${FAKE_FAILURES:-2})); then
                fake_fail "$cmd" transient
            fi
            fake_ok "$cmd" "$((n - ${FAKE_FAILURES:-2}))" "$@"
            ;;
        *)
            echo "fake $cmd: unknown FAKE_MODE '$mode' (see tests/helpers/fakebin/README.md)" >&2
            exit 99
            ;;
    esac
}
