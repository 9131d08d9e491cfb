#!/usr/bin/env bash
# netns-cluster.sh: simulated hosts for multi-host MPI tests, on one Linux machine.
#
# N "hosts" are network namespaces hyp<PID>h1 .. hyp<PID>hN (each with its own UTS hostname, the
# same name, and `lo` up), each joined by a veth pair to a bridge that lives in one more namespace,
# hyp<PID>head: the switch and the login node, from which `mpirun` starts. Host i has the address
# 10.213.71.i/24 on its end of the pair (device `eth0`); the head has .254 on the bridge. Nothing
# is added to the machine's own network namespace, so traffic only flows between these
# namespaces. The file system and the process-ID space are shared, as on a cluster with a shared
# file system. Open MPI reaches a host through an rsh agent that "logs in" to it: `ip netns exec`
# into its namespace, a fresh UTS namespace named after the host, a clean environment (`env -i`:
# like ssh, only what mpirun forwards reaches a remote rank), and `sh -c` of the command line
# (ssh's semantics). Every run uses `btl tcp,self` on the test subnet only, so no shared memory is
# used between ranks (not even between two ranks of one host).
#
# As a command:
#   netns-cluster.sh run [-n HOSTS] [--slots S] [--keep] -- COMMAND [ARG...]
#       Brings the cluster up, runs COMMAND in the machine's own namespace with the variables
#       below exported, brings it down again and exits with COMMAND's status. Ctrl-C or TERM:
#       COMMAND gets TERM (KILL 5 s later), the cluster comes down, exit 130 / 143; the same
#       (exit 129) when its parent goes (ctest interrupted). --keep keeps CLUSTER_DIR.
#   netns-cluster.sh check
#       Exit 0 when a cluster can be made here; otherwise prints why and exits 77.
# Exit status 77 (ctest's SKIP_RETURN_CODE) and a line "SKIP: <reason>" on stderr when the
# machine does not allow it (not root, no `ip`/`unshare`/`mpirun`, `ip netns add` refused).
#
# As a library (bash):  source netns-cluster.sh
#   cluster_up [N [SLOTS]]     N hosts (3) with SLOTS slots each (2); returns 77 with a SKIP line
#                              when not allowed, 1 on another failure (after cleaning up). Installs
#                              an EXIT/INT/TERM/HUP trap that calls cluster_down (set
#                              CLUSTER_NO_TRAP=1 to call it from your own traps instead).
#   cluster_down               kills every process inside the cluster's namespaces (TERM, then
#                              KILL after 2 s), deletes the namespaces (their veths and the bridge
#                              go with them), removes CLUSTER_DIR. Safe to call twice.
#   cluster_exec HOST CMD...   runs CMD (argv, the caller's environment) inside HOST
#   cluster_mpirun ARGS...     mpirun on the head with the cluster's settings ($CLUSTER_DIR/mpirun)
#   cluster_link_down HOST     `ip link set eth0 down` inside HOST: the host's cable is cut
#   cluster_link_up HOST       and put back
#   cluster_pids [HOST]        the PIDs of every process inside the cluster (or inside HOST)
#   HOST is 1..N, `head`, a namespace name, a hostname or an address.
# Variables set by cluster_up (exported; `run` exports them to COMMAND):
#   CLUSTER_DIR        private folder: hostfile, agent, wrappers, Open MPI's session folders
#   CLUSTER_PREFIX     hyp<PID>; CLUSTER_HEAD = ${CLUSTER_PREFIX}head
#   CLUSTER_HOSTS      the host namespaces (= their hostnames), space separated, h1 first
#   CLUSTER_ADDRS      their addresses, same order; CLUSTER_HEAD_ADDR the head's
#   CLUSTER_NET        the test subnet (10.213.71.0/24; set CLUSTER_SUBNET=A.B.C before to change)
#   CLUSTER_DEV        the device inside each host namespace (eth0)
#   CLUSTER_PORTS      the bridge-side veth of each host, inside the head namespace (p1 .. pN)
#   HOSTFILE           Open MPI hostfile: one address per host with slots=SLOTS
#   MPIRUN_ARGS        mpirun arguments naming the hosts (--hostfile $HOSTFILE)
#   CLUSTER_MPI_ENV    a file to source for the MPI settings (rsh agent, no tree spawn, TCP on
#                      the test subnet, yield when idle, no binding): what a site's Open MPI
#                      configuration would hold; exported as OMPI_MCA_* so that a `--mca`
#                      on the command line (e.g. `--mca btl self,vader`) overrides it
# Wrappers in $CLUSTER_DIR, for callers in other languages:
#   mpirun ARGS...          = cluster_mpirun          exec HOST CMD...  = cluster_exec
#   link-down HOST, link-up HOST                      agent HOST CMDLINE (Open MPI's rsh agent)
#
# Nothing outlives the cluster: cluster_down kills whatever runs in its namespaces (Open MPI's
# daemonized orted included). If the owner dies without running its trap (SIGKILL, e.g. a ctest
# timeout), a reaper (detached, waiting on a FIFO with bash's builtin `read -t`, no child) tears
# the cluster down within about a second. Namespaces left by an owner that no longer exists (a
# machine crash) are removed by the next cluster_up.

CLUSTER_SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")

cluster__log() { printf 'netns-cluster: %s\n' "$*" >&2; }

# The host namespace named by $1 (1..N, head, a namespace/hostname, an address); fails if none.
cluster__ns() {
    local want=$1 i=0 ns
    if [[ $want == head || $want == "$CLUSTER_HEAD" || $want == "$CLUSTER_HEAD_ADDR" ]]; then
        printf '%s\n' "$CLUSTER_HEAD"
        return 0
    fi
    for ns in $CLUSTER_HOSTS; do
        i=$((i + 1))
        if [[ $want == "$i" || $want == "$ns" || $want == "${CLUSTER_SUBNET_PREFIX}.$i" ]]; then
            printf '%s\n' "$ns"
            return 0
        fi
    done
    cluster__log "no host '$want' in this cluster (hosts: 1..$CLUSTER_N, head, $CLUSTER_HOSTS)"
    return 1
}

# Prints why a cluster cannot be made here and returns 77, or returns 0.
cluster_check() {
    local tool probe err
    if ((EUID != 0)); then
        echo "SKIP: simulated hosts need root (network namespaces); running as uid $EUID" >&2
        return 77
    fi
    for tool in ip unshare mpirun hostname; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "SKIP: '$tool' not found (simulated hosts need iproute2, util-linux, Open MPI)" >&2
            return 77
        fi
    done
    probe=hyp$$probe
    if ! err=$(ip netns add "$probe" 2>&1); then
        echo "SKIP: network namespaces are not allowed here: ip netns add: $err" >&2
        return 77
    fi
    local ok=0
    ip -n "$probe" link add cluster0 type veth peer name cluster1 2>/dev/null || ok=1
    ip netns exec "$probe" unshare --uts true 2>/dev/null || ok=2
    ip netns del "$probe"
    case $ok in
    1) echo "SKIP: veth pairs cannot be created in a network namespace here" >&2; return 77 ;;
    2) echo "SKIP: UTS namespaces (unshare --uts) are not allowed here" >&2; return 77 ;;
    esac
    return 0
}

# Removes the namespaces of clusters whose owner process is gone (a run that could not clean up).
cluster__reap_stale() {
    local ns owner
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
        [[ $ns =~ ^hyp([0-9]+)(head|h[0-9]+)$ ]] || continue
        owner=${BASH_REMATCH[1]}
        cluster__alive "$owner" && continue
        cluster__log "removing stale namespace $ns (its owner $owner is gone)"
        cluster__kill_ns "$ns"
        ip netns del "$ns" 2>/dev/null
    done
}

# Kills every process inside namespace $1: TERM, then KILL after up to 2 s.
cluster__kill_ns() {
    local ns=$1 pids t
    pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
    [[ -z ${pids// /} ]] && return 0
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null
    for ((t = 0; t < 20; t++)); do
        pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
        [[ -z ${pids// /} ]] && return 0
        sleep 0.1
    done
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null
    for ((t = 0; t < 50; t++)); do
        pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
        [[ -z ${pids// /} ]] && return 0
        sleep 0.1
    done
    cluster__log "processes $pids survive in $ns"
    return 1
}

# Tears down every namespace of prefix $1 and removes folder $2 (also run by the reaper).
cluster__teardown() {
    local prefix=$1 dir=$2 ns rc=0
    local -a all
    # The head (mpirun) first (sorted last to first: head, h3, h2, h1), so that it does not start
    # anything new, then the hosts.
    mapfile -t all < <(ip netns list 2>/dev/null | awk '{print $1}' |
        grep -E "^${prefix}(head|h[0-9]+)$" | sort -r)
    for ns in "${all[@]}"; do
        cluster__kill_ns "$ns" || rc=1
    done
    for ns in "${all[@]}"; do
        ip netns del "$ns" 2>/dev/null || { cluster__log "cannot delete namespace $ns"; rc=1; }
    done
    if [[ -n $dir && -d $dir && ${CLUSTER_KEEP:-0} != 1 ]]; then
        rm -rf "$dir"
    elif [[ -n $dir && -d $dir ]]; then
        cluster__log "kept $dir"
    fi
    return $rc
}

cluster__ppid() {
    local stat
    stat=$({ cat "/proc/$1/stat"; } 2>/dev/null) || return 0
    stat=${stat##*) }
    local ppid
    read -r _ ppid _ <<<"$stat"
    printf '%s\n' "$ppid"
}

cluster__starttime() { { awk '{print $22}' "/proc/$1/stat"; } 2>/dev/null; }

# True while process $1 runs (a zombie, which this machine's init may reap late, does not count).
cluster__alive() {
    local stat
    stat=$({ cat "/proc/$1/stat"; } 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# The detached reaper: tears the cluster down when its owner is gone; "stop" on the FIFO ends it.
cluster__start_reaper() {
    local owner=$1 start
    start=$(cluster__starttime "$owner")
    mkfifo "$CLUSTER_DIR/reaper.fifo" || return 1
    (
        # shellcheck disable=SC2016 # expanded by the reaper's own bash
        setsid bash -c '
            source "$1"; owner=$2; start=$3; prefix=$4; dir=$5
            exec 3<>"$dir/reaper.fifo"
            while :; do
                if read -r -t 0.5 -u 3 line; then
                    [[ $line == stop ]] && exit 0
                fi
                cluster__alive "$owner" && [[ $(cluster__starttime "$owner") == "$start" ]] && continue
                cluster__log "reaper: owner $owner is gone, tearing the cluster down"
                cluster__teardown "$prefix" "$dir"
                exit 0
            done' cluster-reaper "$CLUSTER_SCRIPT" "$owner" "$start" "$CLUSTER_PREFIX" \
            "$CLUSTER_DIR" </dev/null >/dev/null 2>>"$CLUSTER_DIR/reaper.log" &
        echo $! >"$CLUSTER_DIR/reaper.pid"
    )
}

cluster__stop_reaper() {
    local pid t
    pid=$(cat "$CLUSTER_DIR/reaper.pid" 2>/dev/null) || return 0
    [[ -n $pid ]] || return 0
    echo stop 1<>"$CLUSTER_DIR/reaper.fifo"
    for ((t = 0; t < 30; t++)); do
        cluster__alive "$pid" || return 0
        sleep 0.1
    done
    kill "$pid" 2>/dev/null
}

# Writes the wrappers and settings files into CLUSTER_DIR.
cluster__write_files() {
    local d=$CLUSTER_DIR i=0 ns cases=""
    : >"$HOSTFILE"
    for ns in $CLUSTER_HOSTS; do
        i=$((i + 1))
        printf '%s slots=%s\n' "${CLUSTER_SUBNET_PREFIX}.$i" "$CLUSTER_SLOTS" >>"$HOSTFILE"
        cases+="    ${CLUSTER_SUBNET_PREFIX}.$i | $ns) ns=$ns ;;"$'\n'
    done
    # The rsh agent: Open MPI runs `agent HOST orted ARGS...` (args quoted for a remote shell).
    cat >"$d/agent" <<EOF
#!/bin/sh
# Open MPI's rsh agent for this simulated cluster: "logs in" to HOST and runs the command line
# there, as ssh would (a clean environment, the words joined and run by sh).
host=\$1
shift
case \$host in
$cases    *) echo "netns-cluster agent: unknown host '\$host'" >&2; exit 255 ;;
esac
exec env -i PATH="$PATH" HOME="${HOME:-/root}" TMPDIR="$d/tmp/\$ns" \\
    ip netns exec "\$ns" unshare --uts sh -c 'hostname "\$0" && exec sh -c "\$*"' "\$ns" "\$@"
EOF
    cat >"$CLUSTER_MPI_ENV" <<EOF
# The simulated cluster's Open MPI settings (what a site configuration would hold).
export OMPI_MCA_plm_rsh_agent=$d/agent
# every daemon is started by mpirun itself (no daemon starts others)
export OMPI_MCA_plm_rsh_no_tree_spawn=1
# TCP only, on the test subnet only: no shared memory between ranks
export OMPI_MCA_btl=tcp,self
export OMPI_MCA_btl_tcp_if_include=$CLUSTER_NET
export OMPI_MCA_oob_tcp_if_include=$CLUSTER_NET
# all hosts share this machine's cores: ranks waiting in MPI yield them, nothing is bound
export OMPI_MCA_mpi_yield_when_idle=1
export OMPI_MCA_hwloc_base_binding_policy=none
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export TMPDIR=$d/tmp/head
EOF
    cat >"$d/exec" <<EOF
#!/bin/bash
# exec HOST CMD...: CMD inside HOST (1..N, head, a name or an address) with this environment.
source "$CLUSTER_SCRIPT"
source "$d/cluster.env"
cluster_exec "\$@"
EOF
    cat >"$d/mpirun" <<EOF
#!/bin/bash
# mpirun ARGS...: Open MPI's mpirun on the head, across this cluster's hosts.
source "$CLUSTER_SCRIPT"
source "$d/cluster.env"
cluster_mpirun "\$@"
EOF
    for what in down up; do
        cat >"$d/link-$what" <<EOF
#!/bin/bash
# link-$what HOST: the cable of HOST $what.
source "$CLUSTER_SCRIPT"
source "$d/cluster.env"
cluster_link_$what "\$@"
EOF
    done
    {
        local v
        for v in CLUSTER_DIR CLUSTER_PREFIX CLUSTER_HEAD CLUSTER_HEAD_ADDR CLUSTER_HOSTS \
            CLUSTER_ADDRS CLUSTER_NET CLUSTER_SUBNET_PREFIX CLUSTER_DEV CLUSTER_PORTS CLUSTER_N \
            CLUSTER_SLOTS HOSTFILE MPIRUN_ARGS CLUSTER_MPI_ENV; do
            printf 'export %s=%q\n' "$v" "${!v}"
        done
    } >"$d/cluster.env"
    chmod +x "$d/agent" "$d/exec" "$d/mpirun" "$d/link-down" "$d/link-up"
    mkdir -p "$d/tmp/head"
    for ns in $CLUSTER_HOSTS; do mkdir -p "$d/tmp/$ns"; done
}

cluster_up() {
    local n=${1:-3} slots=${2:-2} rc i ns
    if [[ -n ${CLUSTER_PREFIX:-} ]] && ip netns list 2>/dev/null | grep -q "^${CLUSTER_PREFIX}head"; then
        cluster__log "a cluster ($CLUSTER_PREFIX) is already up in this shell"
        return 1
    fi
    if ! [[ $n =~ ^[0-9]+$ ]] || ((n < 1 || n > 250)); then
        cluster__log "the number of hosts must be 1..250, not '$n'"
        return 1
    fi
    cluster_check || return $?
    cluster__reap_stale
    export CLUSTER_N=$n CLUSTER_SLOTS=$slots
    export CLUSTER_PREFIX=hyp$$
    export CLUSTER_HEAD=${CLUSTER_PREFIX}head
    export CLUSTER_SUBNET_PREFIX=${CLUSTER_SUBNET:-10.213.71}
    export CLUSTER_NET=$CLUSTER_SUBNET_PREFIX.0/24
    export CLUSTER_HEAD_ADDR=$CLUSTER_SUBNET_PREFIX.254
    export CLUSTER_DEV=eth0
    # (no spaces: Open MPI splits plm_rsh_agent at spaces)
    CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hypar-cluster.XXXXXX") || return 1
    if [[ $CLUSTER_DIR == *" "* ]]; then
        cluster__log "the cluster's folder '$CLUSTER_DIR' has a space (TMPDIR); Open MPI cannot use it"
        rm -rf "$CLUSTER_DIR"
        return 1
    fi
    export CLUSTER_DIR
    export HOSTFILE=$CLUSTER_DIR/hostfile
    export MPIRUN_ARGS="--hostfile $HOSTFILE"
    export CLUSTER_MPI_ENV=$CLUSTER_DIR/mpi.env
    CLUSTER_HOSTS="" CLUSTER_ADDRS="" CLUSTER_PORTS=""
    for ((i = 1; i <= n; i++)); do
        CLUSTER_HOSTS+="${CLUSTER_HOSTS:+ }${CLUSTER_PREFIX}h$i"
        CLUSTER_ADDRS+="${CLUSTER_ADDRS:+ }$CLUSTER_SUBNET_PREFIX.$i"
        CLUSTER_PORTS+="${CLUSTER_PORTS:+ }p$i"
    done
    export CLUSTER_HOSTS CLUSTER_ADDRS CLUSTER_PORTS
    if [[ ${CLUSTER_NO_TRAP:-0} != 1 ]]; then
        trap 'cluster_down' EXIT
        trap 'cluster_down; trap - INT; kill -INT $$' INT
        trap 'cluster_down; trap - TERM; kill -TERM $$' TERM
        trap 'cluster_down; trap - HUP; kill -HUP $$' HUP
    fi
    cluster__start_reaper $$ || { cluster_down; return 1; }
    if ! cluster__build; then
        cluster__log "could not build the cluster; cleaning up"
        cluster_down
        return 1
    fi
    cluster__write_files
    cluster__log "up: $n hosts ($CLUSTER_HOSTS) at $CLUSTER_ADDRS, head $CLUSTER_HEAD at" \
        "$CLUSTER_HEAD_ADDR, in $CLUSTER_DIR"
}

# The namespaces, the bridge and the cables; the addresses; lo up everywhere.
cluster__build() {
    local i=0 ns head=$CLUSTER_HEAD
    ip netns add "$head" || return 1
    ip -n "$head" link set lo up || return 1
    ip -n "$head" link add br0 type bridge || return 1
    ip -n "$head" addr add "$CLUSTER_HEAD_ADDR/24" dev br0 || return 1
    ip -n "$head" link set br0 up || return 1
    for ns in $CLUSTER_HOSTS; do
        i=$((i + 1))
        ip netns add "$ns" || return 1
        ip -n "$ns" link set lo up || return 1
        # both ends are made inside the namespaces: the pair never appears in the machine's own
        ip -n "$head" link add "p$i" type veth peer name "$CLUSTER_DEV" netns "$ns" || return 1
        ip -n "$head" link set "p$i" master br0 || return 1
        ip -n "$head" link set "p$i" up || return 1
        ip -n "$ns" addr add "$CLUSTER_SUBNET_PREFIX.$i/24" dev "$CLUSTER_DEV" || return 1
        ip -n "$ns" link set "$CLUSTER_DEV" up || return 1
    done
    # The bridge forwards once its ports are up; wait (bounded) until every host answers the head.
    local t
    for ((t = 0; t < 50; t++)); do
        if cluster__all_reachable; then return 0; fi
        sleep 0.1
    done
    cluster__log "the hosts do not answer on $CLUSTER_NET"
    return 1
}

# True when the head reaches every host (a TCP connect to a closed port is refused at once when
# the host is reachable; without a route or a link it times out).
cluster__all_reachable() {
    local i
    for ((i = 1; i <= CLUSTER_N; i++)); do
        ip netns exec "$CLUSTER_HEAD" timeout 1 bash -c \
            "exec 3<>/dev/tcp/$CLUSTER_SUBNET_PREFIX.$i/9 2>/dev/null" 2>/dev/null
        # 1: refused (reachable); 124: timed out
        [[ $? == 124 ]] && return 1
    done
    return 0
}

cluster_down() {
    local rc=0
    [[ -n ${CLUSTER_PREFIX:-} ]] || return 0
    trap - EXIT INT TERM HUP 2>/dev/null
    [[ -n ${CLUSTER_DIR:-} ]] && cluster__stop_reaper
    cluster__teardown "$CLUSTER_PREFIX" "${CLUSTER_DIR:-}" || rc=1
    if ip netns list 2>/dev/null | grep -qE "^${CLUSTER_PREFIX}(head|h[0-9]+)"; then
        cluster__log "namespaces of $CLUSTER_PREFIX remain"
        rc=1
    fi
    unset CLUSTER_PREFIX
    return $rc
}

cluster_exec() {
    local ns
    ns=$(cluster__ns "${1:?cluster_exec HOST CMD...}") || return 2
    shift
    # shellcheck disable=SC2016 # expanded by that sh
    ip netns exec "$ns" unshare --uts sh -c 'hostname "$0" && exec "$@"' "$ns" "$@"
}

cluster_mpirun() {
    (
        # shellcheck disable=SC1090
        source "$CLUSTER_MPI_ENV"
        # shellcheck disable=SC2086,SC2016 # MPIRUN_ARGS splits; $0, $@ are that sh's
        exec ip netns exec "$CLUSTER_HEAD" unshare --uts sh -c 'hostname "$0" && exec "$@"' \
            "$CLUSTER_HEAD" mpirun $MPIRUN_ARGS "$@"
    )
}

cluster_link_down() {
    local ns
    ns=$(cluster__ns "${1:?cluster_link_down HOST}") || return 2
    ip -n "$ns" link set "$CLUSTER_DEV" down
}

cluster_link_up() {
    local ns
    ns=$(cluster__ns "${1:?cluster_link_up HOST}") || return 2
    ip -n "$ns" link set "$CLUSTER_DEV" up
}

cluster_pids() {
    local ns
    if (($# > 0)); then
        ns=$(cluster__ns "$1") || return 2
        ip netns pids "$ns"
        return 0
    fi
    for ns in $CLUSTER_HEAD $CLUSTER_HOSTS; do ip netns pids "$ns"; done
}

# ------------------------------------------------------------------------------- the command --

cluster__main() {
    local n=3 slots=2 child rc
    case ${1:-} in
    check) cluster_check; exit $? ;;
    run) shift ;;
    *) sed -n '17,24p' "$CLUSTER_SCRIPT" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
    while (($# > 0)); do
        case $1 in
        -n) n=${2:?-n HOSTS}; shift 2 ;;
        --slots) slots=${2:?--slots S}; shift 2 ;;
        --keep) export CLUSTER_KEEP=1; shift ;;
        --) shift; break ;;
        *) cluster__log "unknown option '$1'"; exit 2 ;;
        esac
    done
    (($# > 0)) || { cluster__log "run: no COMMAND given"; exit 2; }
    CLUSTER_NO_TRAP=1
    # Until the cluster is up, a signal only has to clean up what cluster_up made so far.
    trap 'cluster_down; exit 130' INT
    trap 'cluster_down; exit 143' TERM
    trap 'cluster_down; exit 129' HUP
    trap 'cluster_down' EXIT
    cluster_up "$n" "$slots"
    rc=$?
    ((rc == 0)) || exit "$rc"
    # COMMAND in the background so that a signal reaches this shell's trap at once (a foreground
    # child would delay it until the child ends); its stdin stays this shell's.
    "$@" 0<&0 &
    child=$!
    stop_child() {
        local t
        kill -TERM "$child" 2>/dev/null
        for ((t = 0; t < 50; t++)); do
            cluster__alive "$child" || break
            sleep 0.1
        done
        kill -KILL "$child" 2>/dev/null
        cluster_down
    }
    trap 'stop_child; exit 130' INT
    trap 'stop_child; exit 143' TERM
    trap 'stop_child; exit 129' HUP
    # Wait for COMMAND, and stop it should our parent go: ctest runs a test in a process group of
    # its own, so Ctrl-C ends ctest without signalling the test, which would run on unattended.
    local parent=$PPID
    mkfifo "$CLUSTER_DIR/wait.fifo" && exec 3<>"$CLUSTER_DIR/wait.fifo"
    while cluster__alive "$child"; do
        if [[ $(cluster__ppid $$) != "$parent" ]]; then
            cluster__log "the parent process $parent is gone (an interrupted ctest?): stopping"
            stop_child
            exit 129
        fi
        read -r -t 0.5 -u 3 || true
    done
    wait "$child"
    rc=$?
    exec 3>&-
    trap - INT TERM HUP
    cluster_down || { cluster__log "teardown incomplete"; ((rc == 0)) && rc=1; }
    exit "$rc"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    cluster__main "$@"
fi
