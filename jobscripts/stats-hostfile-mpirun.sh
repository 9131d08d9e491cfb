#!/bin/bash
#
# stats-hostfile-mpirun.sh: run hypar-stats as a hybrid MPI + OpenMP job across
# the hosts of an Open MPI hostfile, without a batch system: Open MPI's
# `mpirun` starts its daemons on the hosts through ssh (or its plm_rsh_agent).
#
#   stats-hostfile-mpirun.sh HOSTFILE [PATH...]
#   HYPAR_RANKS_PER_HOST=4 HYPAR_THREADS=8 stats-hostfile-mpirun.sh hosts /data/corpus
#   HYPAR_NETWORK=10.1.0.0/16 HYPAR_FORMAT=csv stats-hostfile-mpirun.sh hosts a.txt dir/
#
# HOSTFILE is Open MPI's: one host per line, "NAME slots=N" (# starts a
# comment). The hosts must reach each other and the login host over TCP, ssh
# to them must work without a password (or set OMPI_MCA_plm_rsh_agent), the
# same hypar-stats and Open MPI must be installed at the same paths on every
# host, and the inputs must be on a file system every host sees (NFS, Lustre,
# ...): each rank reads its own byte ranges of the files.
#
# Arguments: the PATHs to count (files or directories). Without arguments,
# $HYPAR_INPUTS is used; if that is empty too, hypar-stats counts its embedded
# default corpus. Relative paths are relative to the current folder, which
# must exist at the same path on every host (mpirun starts the ranks there).
#
# Environment variables and their defaults:
#   HYPAR_STATS    the program to run                 [hypar-stats, found on PATH]
#   HYPAR_INPUTS   space-separated PATHs, used when no argument is given    [empty]
#   HYPAR_FORMAT   table, csv or json                                        [table]
#   HYPAR_ARGS     extra hypar-stats options, e.g. "--chunk-size 8M"         [empty]
#   HYPAR_OUTPUT   the results file; "-" writes them to stdout                 [-]
#   HYPAR_RANKS_PER_HOST  ranks started on each host (--map-by ppr:N:node)
#                  [empty: as many as the hostfile's slots, filled host by host]
#   HYPAR_THREADS  OpenMP threads per rank                                    [1]
#   HYPAR_PE       cores bound to each rank (PE=N)                  [HYPAR_THREADS]
#   HYPAR_BIND     --bind-to value: core, none, ...                         [core]
#   HYPAR_NETWORK  the network (CIDR such as 10.1.0.0/16, or an interface such
#                  as ib0) for MPI's TCP traffic and mpirun's own
#                  (btl_tcp_if_include, oob_tcp_if_include): hosts with several
#                  networks otherwise may pick one the others cannot reach
#                  [empty: Open MPI chooses]
#   HYPAR_OVERSUBSCRIBE  1 = allow more ranks than slots/cores (adds
#                  --oversubscribe; with HYPAR_BIND=core it also allows
#                  several ranks per core, for small test machines)            [0]
#   HYPAR_MPIRUN   the mpirun command                                     [mpirun]
#   HYPAR_MPIRUN_ARGS  extra mpirun options, e.g. "--report-bindings"       [empty]
#
# Output: the results (printed by rank 0) go to HYPAR_OUTPUT; stderr gets the
# run's settings, hypar-stats' messages and errors. The exit code is
# hypar-stats' own: 0 all inputs counted, 1 some inputs failed, 2 usage or
# fatal error; a rank or a host lost on the way makes mpirun exit non-zero and
# name it.
#
# Notes:
#   * Only OMP_NUM_THREADS, OMP_PLACES and OMP_PROC_BIND are forwarded to the
#     ranks (-x); a remote rank sees the environment its ssh login gives it.
#   * As root (containers, tests) Open MPI needs OMPI_ALLOW_RUN_AS_ROOT=1 and
#     OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 in the environment.
#   * tests/multihost runs this script across simulated hosts (network
#     namespaces) and compares its results with wc.

set -u

if (($# < 1)); then
    echo "usage: ${0##*/} HOSTFILE [PATH...]  (see the comments at the top)" >&2
    exit 2
fi
hostfile=$1
shift

HYPAR_STATS=${HYPAR_STATS:-hypar-stats}
HYPAR_FORMAT=${HYPAR_FORMAT:-table}
HYPAR_MPIRUN=${HYPAR_MPIRUN:-mpirun}
HYPAR_BIND=${HYPAR_BIND:-core}
output=${HYPAR_OUTPUT:--}
threads=${HYPAR_THREADS:-1}
pe=${HYPAR_PE:-$threads}
per_host=${HYPAR_RANKS_PER_HOST:-}

if [[ ! -f $hostfile || ! -r $hostfile ]]; then
    echo "error: hostfile '$hostfile' is not a readable file" >&2
    exit 2
fi
# the hosts: the first word of each line that is not blank or a comment
hosts=$(sed -e 's/#.*//' "$hostfile" | awk 'NF { print $1 }' | sort -u | wc -l)
if ((hosts == 0)); then
    echo "error: hostfile '$hostfile' names no host" >&2
    exit 2
fi
for value in "$threads" "$pe" ${per_host:+"$per_host"}; do
    if ! [[ $value =~ ^[1-9][0-9]*$ ]]; then
        echo "error: HYPAR_THREADS, HYPAR_PE and HYPAR_RANKS_PER_HOST must be positive integers," \
            "not '$value'" >&2
        exit 2
    fi
done

if (($# > 0)); then
    inputs=("$@")
else
    read -r -a inputs <<<"${HYPAR_INPUTS:-}"
fi

case $HYPAR_FORMAT in
table | csv | json) ;;
*) echo "error: HYPAR_FORMAT must be table, csv or json, not '$HYPAR_FORMAT'" >&2; exit 2 ;;
esac

for tool in "$HYPAR_MPIRUN" "$HYPAR_STATS"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: '$tool' not found; check PATH or HYPAR_STATS/HYPAR_MPIRUN" >&2
        exit 2
    fi
done
# mpirun starts the same path on every host: make a relative program path absolute
if [[ $HYPAR_STATS == */* ]]; then
    HYPAR_STATS=$(cd "$(dirname "$HYPAR_STATS")" && pwd)/$(basename "$HYPAR_STATS")
fi

export OMP_NUM_THREADS=$threads
export OMP_PLACES=cores
export OMP_PROC_BIND=close

bind=$HYPAR_BIND
mpirun_args=(--hostfile "$hostfile")
if [[ ${HYPAR_OVERSUBSCRIBE:-0} == 1 ]]; then
    mpirun_args+=(--oversubscribe)
    [[ $bind == none ]] || bind=$bind:overload-allowed
fi
# ppr:N:node places N ranks on every host; slot fills each host's slots in turn
if [[ -n $per_host ]]; then
    map=ppr:$per_host:node
    mpirun_args+=(-n "$((hosts * per_host))")
else
    map=slot
fi
if [[ $bind == none ]]; then
    mpirun_args+=(--map-by "$map" --bind-to none)
else
    mpirun_args+=(--map-by "$map:PE=$pe" --bind-to "$bind")
fi
if [[ -n ${HYPAR_NETWORK:-} ]]; then
    mpirun_args+=(--mca btl_tcp_if_include "$HYPAR_NETWORK" --mca oob_tcp_if_include "$HYPAR_NETWORK")
fi
# the OpenMP settings reach the ranks on other hosts only when forwarded
mpirun_args+=(-x OMP_NUM_THREADS -x OMP_PLACES -x OMP_PROC_BIND)
# A bad input ends the run with exit status 1 and one stderr line per bad input, as wc does;
# these two settings drop mpirun's banner and its 1 s kill delay after a non-zero exit (see
# stats-hybrid-mpirun.sbatch). A lost rank is still reported by mpirun.
mpirun_args+=(--mca orte_execute_quiet 1 --mca odls_base_sigkill_timeout 0)
read -r -a user_mpirun_args <<<"${HYPAR_MPIRUN_ARGS:-}"
read -r -a extra_args <<<"${HYPAR_ARGS:-}"

echo "hypar-stats on $hosts host(s) of $hostfile:" \
    "${per_host:-slots} rank(s) per host x $OMP_NUM_THREADS thread(s)," \
    "$HYPAR_MPIRUN ${mpirun_args[*]} ${user_mpirun_args[*]}," \
    "program $HYPAR_STATS, ${#inputs[@]} input(s), results -> $output" >&2

if [[ $output == - ]]; then
    exec "$HYPAR_MPIRUN" "${mpirun_args[@]}" "${user_mpirun_args[@]}" \
        "$HYPAR_STATS" --format "$HYPAR_FORMAT" "${extra_args[@]}" "${inputs[@]}"
fi

mkdir -p "$(dirname "$output")" || exit 2
"$HYPAR_MPIRUN" "${mpirun_args[@]}" "${user_mpirun_args[@]}" \
    "$HYPAR_STATS" --format "$HYPAR_FORMAT" "${extra_args[@]}" "${inputs[@]}" >"$output"
rc=$?
echo "hypar-stats exit code $rc; results in $output" >&2
exit "$rc"
