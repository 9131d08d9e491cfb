#!/usr/bin/env bash
# slurm-cluster.sh: a private, throw-away, one-node Slurm cluster for tests.
#
#   slurm-cluster.sh start  DIR [--owner-pid PID] [--lifetime SECONDS]
#   slurm-cluster.sh stop   DIR
#   slurm-cluster.sh status DIR
#   slurm-cluster.sh env    DIR
#
# `start` builds everything under DIR (created if missing; it must not hold a
# running cluster): its own munge key and munged (own socket, pid, log and seed
# files), its own slurm.conf (unique ClusterName, free ports, state, spool, log
# and pid files under DIR, auth through OUR munged socket), then starts
# slurmctld and slurmd and waits (bounded) until the node is idle. On success it
# prints one line on stdout:
#     export SLURM_CONF=DIR/etc/slurm.conf
# so `eval "$(slurm-cluster.sh start DIR)"` points the client commands (sbatch,
# squeue, scontrol, sinfo, srun) at this cluster. Progress goes to stderr.
# If a daemon fails to start, the tail of its log is printed, everything that
# was started is stopped again, and the exit status is non-zero.
#
# Safety net against leaked daemons: with --owner-pid PID a small reaper stops
# the cluster as soon as PID is gone (e.g. the test runner was SIGKILLed, so its
# trap never ran); with --lifetime SECONDS it stops it after that long anyway.
#
# `stop` stops exactly what `start` started (the PIDs recorded in DIR/pids, each
# checked against its command line so a recycled PID is never hit), plus job
# processes of this cluster that slurmd left behind (slurmstepd with files open
# under DIR, processes whose environment names this cluster). TERM first, KILL
# after a bounded wait. Calling it twice, or on a half-started cluster, is fine.
# It never matches processes by name alone, so another cluster on the same
# machine is left alone.
#
# `status` prints the daemons and `sinfo`; exit 0 only if all are alive and the
# node answers. `env` prints the export line again.
#
# Environment knobs (all optional):
#   SLURM_CLUSTER_START_TIMEOUT  seconds to wait for the node to be idle   [60]
#   SLURM_CLUSTER_STOP_TIMEOUT   seconds to wait after TERM before KILL    [15]
#   SLURM_CLUSTER_PORT_MIN/MAX   range the two TCP ports are drawn from  [20000/59000]
#   SLURM_CLUSTER_DEBUG          SlurmctldDebug/SlurmdDebug level          [info]
#
# Requirements: root (slurmd launches jobs as their owner), munged, slurmctld,
# slurmd from Slurm 22.05 (Debian 12: munge, slurm-wlm), ss (iproute2).

set -u
set -o pipefail

PROG=${0##*/}
START_TIMEOUT=${SLURM_CLUSTER_START_TIMEOUT:-60}
STOP_TIMEOUT=${SLURM_CLUSTER_STOP_TIMEOUT:-15}
PORT_MIN=${SLURM_CLUSTER_PORT_MIN:-20000}
PORT_MAX=${SLURM_CLUSTER_PORT_MAX:-59000}
DEBUG_LEVEL=${SLURM_CLUSTER_DEBUG:-info}
# Client commands never wait longer than this (a dead controller makes them retry).
CLIENT_TIMEOUT=10

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# ---------------------------------------------------------------- helpers --

# Absolute, normalised path of DIR (it need not exist yet).
abspath() {
    local d=$1
    case $d in /*) ;; *) d=$PWD/$d ;; esac
    # collapse // and trailing /
    d=$(printf '%s' "$d" | sed -e 's#//*#/#g' -e 's#/$##')
    printf '%s' "${d:-/}"
}

# The parent PID of a process ('' if gone).
ppid_of() {
    local stat
    stat=$({ cat "/proc/$1/stat"; } 2>/dev/null) || return 0
    # the command name may hold spaces/parens: cut after the last ')'
    stat=${stat##*) }
    # shellcheck disable=SC2086 # split the fields on purpose
    set -- $stat
    printf '%s' "${2:-}"
}

# Does process $1 still run with a command line containing $2?
pid_matches() {
    local pid=$1 needle=$2 cmd
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    cmd=$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) || return 1
    [[ -n $cmd && $cmd == *"$needle"* ]]
}

alive() { [[ $1 =~ ^[0-9]+$ ]] && kill -0 "$1" 2>/dev/null; }

# This process and all its ancestors: never to be killed by the sweep.
protected_pids() {
    local p=$$
    while [[ -n $p && $p != 0 ]]; do
        printf '%s\n' "$p"
        [[ $p == 1 ]] && break
        p=$(ppid_of "$p")
    done
}

# All descendants of the given PIDs.
descendants() {
    local -A kids=()
    local pid pp
    while read -r pid pp; do
        kids[$pp]+=" $pid"
    done < <(ps -e -o pid= -o ppid= 2>/dev/null)
    local -a queue=("$@") out=()
    while ((${#queue[@]})); do
        pid=${queue[0]}
        queue=("${queue[@]:1}")
        for c in ${kids[$pid]:-}; do
            out+=("$c")
            queue+=("$c")
        done
    done
    ((${#out[@]})) && printf '%s\n' "${out[@]}"
    return 0
}

# Is TCP port $1 free (nobody listening, on any address)?
port_free() {
    ! ss -Htln 2>/dev/null | awk '{print $4}' | grep -qE "[:.]$1\$"
}

pick_ports() {
    local tries=0 a
    while ((tries++ < 200)); do
        a=$((PORT_MIN + (RANDOM * 32768 + RANDOM) % (PORT_MAX - PORT_MIN - 1)))
        if port_free "$a" && port_free $((a + 1)); then
            printf '%s %s' "$a" $((a + 1))
            return 0
        fi
    done
    return 1
}

tail_log() {
    local f=$1 n=${2:-30}
    if [[ -s $f ]]; then
        log "---- last $n lines of $f ----"
        tail -n "$n" "$f" >&2
        log "---- end of $f ----"
    else
        log "($f is empty or missing)"
    fi
}

# Run a Slurm client command against this cluster, bounded in time.
client() {
    SLURM_CONF=$CONF timeout -k 2 "$CLIENT_TIMEOUT" "$@"
}

set_paths() {
    DIR=$(abspath "$1")
    CONF=$DIR/etc/slurm.conf
    PIDS=$DIR/pids
    MUNGE_DIR=$DIR/munge
    MUNGE_SOCKET=$MUNGE_DIR/munge.socket
    MUNGE_KEY=$MUNGE_DIR/munge.key
}

record_pid() { printf '%s %s\n' "$1" "$2" >>"$PIDS"; }

# ------------------------------------------------------------------ start --

write_config() {
    local host=$1 ctld_port=$2 d_port=$3 cluster=$4
    local cpus sockets cores threads mem line
    # What slurmd itself detects on this machine, e.g.
    # NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105
    line=$(timeout 20 slurmd -C 2>/dev/null | head -n 1)
    cpus=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$line")
    sockets=$(sed -n 's/.*SocketsPerBoard=\([0-9]*\).*/\1/p' <<<"$line")
    cores=$(sed -n 's/.*CoresPerSocket=\([0-9]*\).*/\1/p' <<<"$line")
    threads=$(sed -n 's/.*ThreadsPerCore=\([0-9]*\).*/\1/p' <<<"$line")
    mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$line")
    if [[ -z $cpus || -z $sockets || -z $cores || -z $threads ]]; then
        log "warning: could not parse 'slurmd -C' ($line); using nproc"
        cpus=$(nproc)
        sockets=1 cores=$cpus threads=1
    fi
    # A little below the detected memory: memory is not a consumable resource
    # here (CR_Core), and a node that reports less than configured is drained.
    mem=$(((${mem:-1000} * 9) / 10))
    ((mem < 1)) && mem=1
    NODE_CPUS=$cpus

    cat >"$CONF" <<EOF
# Generated by $PROG for a private test cluster; everything lives under
# $DIR
ClusterName=$cluster
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root

AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET

StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=$DEBUG_LEVEL
SlurmdDebug=$DEBUG_LEVEL
TmpFS=$DIR/tmp
PluginDir=$PLUGIN_DIR

# No cgroups in containers/sandboxes: track processes by parent chain.
ProctrackType=proctrack/linuxproc
TaskPlugin=$TASK_PLUGIN
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
MailProg=/bin/true

SchedulerType=sched/backfill
SchedulerParameters=sched_min_interval=0,bf_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core

ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
MessageTimeout=10
InactiveLimit=0
KillWait=5
Waittime=0
MinJobAge=600
BatchStartTimeout=20
UnkillableStepTimeout=30
# Keep finished jobs in 'scontrol show job' for a while (no slurmdbd here).

NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus Sockets=$sockets CoresPerSocket=$cores ThreadsPerCore=$threads RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=30 State=UP OverSubscribe=NO
EOF
    # slurmd reads cgroup.conf next to slurm.conf only for cgroup plugins;
    # leave a harmless one so nothing falls back to /etc/slurm.
    cat >"$DIR/etc/cgroup.conf" <<EOF
# Not used: ProctrackType=proctrack/linuxproc and no task/cgroup.
CgroupPlugin=autodetect
EOF
}

start_munged() {
    install -d -m 0711 "$MUNGE_DIR"
    if command -v mungekey >/dev/null 2>&1; then
        mungekey --create --keyfile="$MUNGE_KEY" --bits=1024 >/dev/null 2>&1 ||
            dd if=/dev/urandom of="$MUNGE_KEY" bs=1024 count=1 status=none
    else
        dd if=/dev/urandom of="$MUNGE_KEY" bs=1024 count=1 status=none
    fi
    chmod 0400 "$MUNGE_KEY"
    [[ -s $MUNGE_KEY ]] || die "could not create the munge key $MUNGE_KEY"

    # -F: stay in the foreground, so $! is munged itself; setsid: own session,
    # so the caller's terminal or process group signals do not reach it.
    setsid munged -F \
        --socket="$MUNGE_SOCKET" \
        --key-file="$MUNGE_KEY" \
        --pid-file="$MUNGE_DIR/munged.pid" \
        --log-file="$MUNGE_DIR/munged.log" \
        --seed-file="$MUNGE_DIR/munged.seed" \
        --num-threads=2 \
        </dev/null >>"$DIR/log/munged.out" 2>&1 &
    local pid=$!
    record_pid munged "$pid"

    local i
    for ((i = 0; i < 100; i++)); do
        if ! alive "$pid"; then break; fi
        if [[ -S $MUNGE_SOCKET ]] &&
            timeout 5 munge -n -S "$MUNGE_SOCKET" 2>/dev/null |
            timeout 5 unmunge -S "$MUNGE_SOCKET" >/dev/null 2>&1; then
            log "munged up (pid $pid, socket $MUNGE_SOCKET)"
            return 0
        fi
        sleep 0.1
    done
    log "munged did not come up (pid $pid $(alive "$pid" && echo alive || echo exited))"
    tail_log "$DIR/log/munged.out" 20
    tail_log "$MUNGE_DIR/munged.log" 20
    return 1
}

# Start one Slurm daemon in the foreground mode (-D) under setsid and check
# that it is still alive after its first second.
start_slurm_daemon() {
    local name=$1
    shift
    SLURM_CONF=$CONF setsid "$@" </dev/null >>"$DIR/log/$name.out" 2>&1 &
    local pid=$!
    record_pid "$name" "$pid"
    local i
    for ((i = 0; i < 10; i++)); do
        sleep 0.1
        alive "$pid" || break
    done
    if ! alive "$pid"; then
        log "$name exited at once (pid $pid)"
        tail_log "$DIR/log/$name.out" 20
        tail_log "$DIR/log/$name.log" 30
        return 1
    fi
    log "$name started (pid $pid)"
}

# Wait until the controller answers and the node is idle.
wait_idle() {
    local host=$1 deadline=$((SECONDS + START_TIMEOUT)) state=''
    while ((SECONDS < deadline)); do
        local name
        for name in slurmctld slurmd; do
            if ! alive "$(pid_of "$name")"; then
                log "$name died while waiting for the node"
                tail_log "$DIR/log/$name.out" 20
                tail_log "$DIR/log/$name.log" 30
                return 1
            fi
        done
        state=$(client sinfo -h -N -n "$host" -o '%T' 2>/dev/null | head -n 1)
        case $state in
        idle) return 0 ;;
        down* | drain* | fail* | inval*)
            # ReturnToService=2 revives a node on registration; nudge it once.
            client scontrol update nodename="$host" state=resume >/dev/null 2>&1
            ;;
        esac
        sleep 0.5
    done
    log "node $host not idle after ${START_TIMEOUT}s (state: '${state:-no answer}')"
    client scontrol show node "$host" >&2 2>&1
    tail_log "$DIR/log/slurmctld.log" 30
    tail_log "$DIR/log/slurmd.log" 30
    return 1
}

pid_of() {
    [[ -f $PIDS ]] || return 0
    awk -v n="$1" '$1 == n { p = $2 } END { if (p) print p }' "$PIDS"
}

start_reaper() {
    local owner=$1 lifetime=$2 self
    self=$(readlink -f "$0")
    # A detached bash loop: stops the cluster once the owner is gone or the
    # lifetime is over. Its own PID is recorded so `stop` ends it as well.
    # shellcheck disable=SC2016 # the loop's $vars belong to the inner bash
    setsid bash -c '
        owner=$1; lifetime=$2; self=$3; dir=$4; nap=
        trap '\''[[ -n $nap ]] && kill "$nap" 2>/dev/null && wait "$nap"; exit 0'\'' TERM
        end=$((SECONDS + lifetime))
        while :; do
            if [[ -n $owner && $owner != 0 ]] && ! kill -0 "$owner" 2>/dev/null; then
                echo "reaper: owner $owner gone, stopping the cluster" >&2; break
            fi
            if ((lifetime > 0 && SECONDS >= end)); then
                echo "reaper: lifetime ${lifetime}s over, stopping the cluster" >&2; break
            fi
            sleep 1 & nap=$!
            wait "$nap"
        done
        SLURM_CLUSTER_FROM_REAPER=1 exec "$self" stop "$dir"
    ' slurm-cluster-reaper "$owner" "$lifetime" "$self" "$DIR" \
        </dev/null >>"$DIR/log/reaper.out" 2>&1 &
    record_pid reaper "$!"
}

cmd_start() {
    local owner='' lifetime=0
    while (($#)); do
        case $1 in
        --owner-pid) owner=${2:?}; shift 2 ;;
        --lifetime) lifetime=${2:?}; shift 2 ;;
        *) die "unknown option '$1'" ;;
        esac
    done
    ((EUID == 0)) || die "must run as root (slurmd launches jobs as their owner)"
    local tool
    for tool in munged munge unmunge slurmctld slurmd sinfo scontrol ss setsid timeout; do
        command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (Debian: apt-get install munge slurm-wlm iproute2)"
    done

    if [[ -f $PIDS ]]; then
        local n p
        while read -r n p; do
            alive "$p" && pid_matches "$p" "$DIR" &&
                die "$DIR already holds a running cluster ($n pid $p); stop it first"
        done <"$PIDS"
    fi
    # sockaddr_un.sun_path holds 107 characters
    ((${#MUNGE_SOCKET} < 100)) || die "DIR path too long for a unix socket: $MUNGE_SOCKET"

    # munged insists that every directory above its socket is searchable by
    # all (o+x); a mktemp -d folder is 0700, so open it to 0711 (no listing).
    install -d -m 0711 "$DIR"
    chmod 0711 "$DIR" || die "cannot chmod 0711 $DIR"
    local up=$DIR
    while up=$(dirname "$up"); [[ $up != / ]]; do
        [[ $(stat -c '%A' "$up") == *x ]] || [[ $(stat -c '%A' "$up") == *t ]] ||
            die "munged needs every folder above its socket to be searchable by all: chmod o+x $up (or use another DIR)"
    done
    install -d -m 0755 "$DIR/etc" "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/run" "$DIR/tmp"
    : >"$PIDS"
    # from here on, any failure (die, exit) stops what was started
    trap 'cmd_stop quiet' EXIT

    PLUGIN_DIR=
    local d
    for d in /usr/lib/x86_64-linux-gnu/slurm-wlm /usr/lib/slurm-wlm /usr/lib64/slurm /usr/lib/slurm \
        /usr/lib/"$(uname -m)"-linux-gnu/slurm-wlm; do
        [[ -f $d/select_cons_tres.so ]] && PLUGIN_DIR=$d && break
    done
    [[ -n $PLUGIN_DIR ]] || die "Slurm plugin directory not found"
    # task/affinity pins tasks with sched_setaffinity(); fall back to none.
    TASK_PLUGIN=task/affinity
    [[ -f $PLUGIN_DIR/task_affinity.so ]] || TASK_PLUGIN=task/none
    [[ -n ${SLURM_CLUSTER_TASK_PLUGIN:-} ]] && TASK_PLUGIN=$SLURM_CLUSTER_TASK_PLUGIN

    local host
    host=$(hostname -s 2>/dev/null || hostname)
    [[ -n $host ]] || die "no hostname"

    if [[ -n $owner || $lifetime != 0 ]]; then
        start_reaper "$owner" "$lifetime"
    fi

    start_munged || exit 1

    # Ports are checked free, but another process may take them before the
    # daemons bind: retry with fresh ports when slurmctld/slurmd die at once.
    local attempt ports ctld_port d_port cluster ok=0
    for attempt in 1 2 3; do
        ports=$(pick_ports) || die "no free TCP ports in $PORT_MIN-$PORT_MAX"
        read -r ctld_port d_port <<<"$ports"
        cluster=hyp$(printf '%s' "$DIR$$$RANDOM" | md5sum | cut -c1-8)
        write_config "$host" "$ctld_port" "$d_port" "$cluster"
        log "cluster $cluster: slurmctld port $ctld_port, slurmd port $d_port, node $host ($NODE_CPUS CPUs)"
        rm -rf "${DIR:?}/state/"* "${DIR:?}/spool/"*
        if start_slurm_daemon slurmctld slurmctld -D -i -f "$CONF" &&
            start_slurm_daemon slurmd slurmd -D -f "$CONF" -N "$host"; then
            ok=1
            break
        fi
        if grep -qiE 'address already in use|Unable to bind' "$DIR"/log/slurm*.log "$DIR"/log/slurm*.out 2>/dev/null; then
            log "port clash; retrying with other ports (attempt $attempt)"
            stop_named slurmd slurmctld
            : >"$DIR/log/slurmctld.log"
            : >"$DIR/log/slurmd.log"
            continue
        fi
        break
    done
    ((ok)) || exit 1
    wait_idle "$host" || exit 1
    trap - EXIT
    printf '%s\n' "$cluster" >"$DIR/cluster-name"
    log "node $host idle after ${SECONDS}s; cluster ready"
    printf 'export SLURM_CONF=%s\n' "$CONF"
}

# ------------------------------------------------------------------- stop --

# TERM the given PIDs, wait (bounded: $WAIT_LIMIT or STOP_TIMEOUT seconds),
# then KILL what is left.
terminate() {
    local -a pids=("$@")
    ((${#pids[@]})) || return 0
    kill -TERM "${pids[@]}" 2>/dev/null
    local limit=${WAIT_LIMIT:-$STOP_TIMEOUT}
    local deadline=$((SECONDS + limit)) p q left
    while :; do
        left=0
        for p in "${pids[@]}"; do alive "$p" && left=1; done
        ((left)) || return 0
        ((SECONDS >= deadline)) && break
        sleep 0.1
    done
    for p in "${pids[@]}"; do
        if alive "$p"; then
            log "pid $p still alive after ${limit}s; sending KILL"
            kill -KILL "$p" 2>/dev/null
        fi
    done
    # a KILLed process disappears once reaped; do not wait forever for zombies
    for ((p = 0; p < 20; p++)); do
        left=0
        for q in "${pids[@]}"; do alive "$q" && left=1; done
        ((left)) || break
        sleep 0.1
    done
    return 0
}

# Stop the recorded daemons with these names (in parallel) if still ours.
stop_named() {
    local name pid
    local -a pids=()
    for name in "$@"; do
        pid=$(pid_of "$name")
        [[ -n $pid ]] || continue
        alive "$pid" && pid_matches "$pid" "$DIR" && pids+=("$pid")
    done
    terminate "${pids[@]}"
}

# Job processes of this cluster that slurmd may leave behind: slurmstepd
# processes with a file open under DIR (its log), their descendants, and any
# process whose environment carries this cluster's name (Slurm sets
# SLURM_CLUSTER_NAME in every job and step) or our SLURM_CONF plus a job id.
leftover_job_pids() {
    local cluster=$1 pid f
    local -A protect=()
    local p
    for p in $(protected_pids); do protect[$p]=1; done
    local -a stepds=() jobs=()
    for pid in $(ps -C slurmstepd -o pid= 2>/dev/null); do
        if find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 -printf '%l\n' 2>/dev/null | grep -qF "$DIR/"; then
            stepds+=("$pid")
        fi
    done
    # grep -z: environ entries are NUL-separated; -x: whole entry
    while IFS= read -r f; do
        pid=${f#/proc/}
        pid=${pid%/environ}
        if [[ -n $cluster ]] && grep -qzxF "SLURM_CLUSTER_NAME=$cluster" "$f" 2>/dev/null; then
            jobs+=("$pid")
        elif grep -qzx 'SLURM_JOB_ID=.*' "$f" 2>/dev/null; then
            jobs+=("$pid")
        fi
    done < <(grep -lzxF "SLURM_CONF=$CONF" /proc/[0-9]*/environ 2>/dev/null
        [[ -n $cluster ]] && grep -lzxF "SLURM_CLUSTER_NAME=$cluster" /proc/[0-9]*/environ 2>/dev/null)
    local -a all=("${stepds[@]}" "${jobs[@]}")
    ((${#stepds[@]})) && mapfile -t -O "${#all[@]}" all < <(descendants "${stepds[@]}")
    local -A seen=()
    for p in "${all[@]}"; do
        [[ -n ${protect[$p]:-} || -n ${seen[$p]:-} ]] && continue
        seen[$p]=1
        printf '%s\n' "$p"
    done
}

# Does the controller still list a job that has not ended?
jobs_active() {
    local out
    out=$(client squeue -h -t all -o '%T' 2>/dev/null) || return 1
    [[ -n $out ]] || return 1
    grep -qvE '^(COMPLETED|CANCELLED|FAILED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED)$' <<<"$out"
}

# shellcheck disable=SC2120 # "quiet" is passed from the EXIT trap and start
cmd_stop() {
    local quiet=${1:-}
    if [[ ! -f $PIDS ]]; then
        [[ -n $quiet ]] || log "nothing recorded in $DIR (no $PIDS); nothing to stop"
        return 0
    fi
    local cluster=''
    [[ -f $DIR/cluster-name ]] && cluster=$(<"$DIR/cluster-name")
    [[ -z $cluster && -f $CONF ]] && cluster=$(sed -n 's/^ClusterName=//p' "$CONF")

    # 1. Cancel the jobs while the controller still runs, so slurmd cleans up.
    local ctld
    ctld=$(pid_of slurmctld)
    if alive "$ctld" && pid_matches "$ctld" "$DIR" && [[ -f $CONF ]]; then
        local -a ids=()
        mapfile -t ids < <(client squeue -h -o '%i' 2>/dev/null)
        if ((${#ids[@]})); then
            # every user's jobs: they all belong to this private cluster
            client scancel --quiet "${ids[@]}" >/dev/null 2>&1
            local deadline=$((SECONDS + 10))
            while ((SECONDS < deadline)) && jobs_active; do
                sleep 0.5
            done
        fi
    fi

    # 2. The daemons, node side first. The reaper last (unless we are it).
    # (each takes a second or two to exit: stop both at once)
    stop_named slurmd slurmctld

    # 3. Anything of this cluster's jobs that survived.
    local -a left=()
    mapfile -t left < <(leftover_job_pids "$cluster")
    if ((${#left[@]})); then
        # orphaned slurmstepd ignore TERM: give them little time
        log "stopping ${#left[@]} leftover job process(es): ${left[*]}"
        WAIT_LIMIT=3 terminate "${left[@]}"
    fi

    stop_named munged
    if [[ -z ${SLURM_CLUSTER_FROM_REAPER:-} ]]; then
        local rp
        rp=$(pid_of reaper)
        if alive "$rp" && pid_matches "$rp" slurm-cluster-reaper; then
            # the reaper is a sleep loop: kill it and its sleep
            local -a kids=()
            mapfile -t kids < <(descendants "$rp")
            kill -TERM "$rp" "${kids[@]}" 2>/dev/null
        fi
    fi

    # 4. Report what (if anything) is still alive.
    local n p bad=0
    while read -r n p; do
        [[ $n == reaper ]] && continue
        if alive "$p" && pid_matches "$p" "$DIR"; then
            log "$n (pid $p) is still alive"
            bad=1
        fi
    done <"$PIDS"
    [[ -n $quiet ]] || log "stopped the cluster in $DIR"
    return "$bad"
}

# ----------------------------------------------------------------- status --

cmd_status() {
    [[ -f $PIDS ]] || { log "no cluster recorded in $DIR"; return 1; }
    local n p rc=0
    for n in munged slurmctld slurmd reaper; do
        p=$(pid_of "$n")
        [[ -n $p ]] || continue
        if alive "$p" && pid_matches "$p" "$DIR"; then
            printf '%-10s pid %-8s running\n' "$n" "$p"
        else
            printf '%-10s pid %-8s not running\n' "$n" "$p"
            [[ $n == reaper ]] || rc=1
        fi
    done
    printf 'SLURM_CONF=%s\n' "$CONF"
    if alive "$(pid_of slurmctld)"; then
        client sinfo -N -o '%N %P %T %C' 2>&1 || rc=1
    fi
    return "$rc"
}

# ------------------------------------------------------------------- main --

(($# >= 2)) || usage
action=$1
set_paths "$2"
shift 2
case $action in
start) cmd_start "$@" ;;
stop) cmd_stop "" ;;
status) cmd_status ;;
env) printf 'export SLURM_CONF=%s\n' "$CONF" ;;
*) usage ;;
esac
