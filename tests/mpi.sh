#!/bin/sh
# mpi.sh -- the MPI test (`make test` and `make test-mpi` run it): a 2x2x2
# sweep (two --vary of two values, two replications) run by the MPI build
# under mpirun with 3 ranks (rank 0 coordinating, two workers;
# --oversubscribe for a 2-core machine) and with 1 rank, compared byte for
# byte with the local pool's -j 1 result; then `ecsim plan` (its grid and
# its pruning stages and confirmation sweep spread over the ranks) against
# -j 1.
# Usage: sh tests/mpi.sh MPI_ECSIM LOCAL_ECSIM
set -eu
mpi_bin=$1
local_bin=$2
command -v mpirun >/dev/null || { echo "mpi.sh: mpirun not found (openmpi-bin)" >&2; exit 1; }
# mpirun refuses to run as root unless told
if [ "$(id -u)" = 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
args="scenarios/quickstart.yaml --set run.duration_s=60 --set run.warmup_s=10
      --vary services.web.desired_count=2,4 --vary task_definitions.web.cpu=512,1024
      --replications 2 -q"

# shellcheck disable=SC2086
"$local_bin" sweep $args -j 1 -o "$tmp/local"
fail=0
for n in 3 1; do
    # shellcheck disable=SC2086
    if ! mpirun --oversubscribe -n "$n" "$mpi_bin" sweep $args -o "$tmp/mpi$n" \
        > "$tmp/mpi$n.log" 2>&1; then
        echo "FAIL mpirun -n $n exited non-zero:"; cat "$tmp/mpi$n.log"; fail=1; continue
    fi
    for f in sweep.csv aggregate.csv; do
        if cmp -s "$tmp/local/$f" "$tmp/mpi$n/$f"; then
            echo "PASS mpirun -n $n: $f identical to -j 1 ($(wc -l < "$tmp/local/$f") lines)"
        else
            echo "FAIL mpirun -n $n: $f differs from -j 1"; diff "$tmp/local/$f" "$tmp/mpi$n/$f" | head; fail=1
        fi
    done
    # every run journaled exactly once, in whatever order the runs ended
    if [ "$(tail -n +2 "$tmp/mpi$n/journal.csv" | sort | cksum)" = \
         "$(tail -n +2 "$tmp/local/journal.csv" | sort | cksum)" ]; then
        echo "PASS mpirun -n $n: journal.csv holds the same runs"
    else
        echo "FAIL mpirun -n $n: journal.csv differs"; fail=1
    fi
done

# the planner: grid and confirmation over 3 ranks, the same answer and files
plan="scenarios/quickstart.yaml --set run.duration_s=60 --set run.warmup_s=10
      --vary services.web.desired_count=1:6 --replications 2 --confirm 2 --slo p99_latency<3"
# shellcheck disable=SC2086
"$local_bin" plan $plan -j 1 -o "$tmp/plan-local" > "$tmp/plan-local.out"
# shellcheck disable=SC2086
if ! mpirun --oversubscribe -n 3 "$mpi_bin" plan $plan -o "$tmp/plan-mpi" \
    > "$tmp/plan-mpi.out" 2>&1; then
    echo "FAIL mpirun -n 3 plan exited non-zero:"; cat "$tmp/plan-mpi.out"; fail=1
else
    for f in plan.csv frontier.csv sweep.csv aggregate.csv; do
        if cmp -s "$tmp/plan-local/$f" "$tmp/plan-mpi/$f"; then
            echo "PASS mpirun -n 3 plan: $f identical to -j 1"
        else
            echo "FAIL mpirun -n 3 plan: $f differs from -j 1"; fail=1
        fi
    done
    # the answer, the pruning and the confirmation (not the timing or paths)
    if [ "$(grep -E 'answer|confirmation|cheapest|pruned' "$tmp/plan-local.out")" = \
         "$(grep -E 'answer|confirmation|cheapest|pruned' "$tmp/plan-mpi.out")" ] &&
       grep -q 'answer: config' "$tmp/plan-local.out" &&
       grep -q 'pruned [1-9]' "$tmp/plan-local.out"; then
        echo "PASS mpirun -n 3 plan: the same pruning and answer, confirmed on the same fresh replications"
    else
        echo "FAIL mpirun -n 3 plan: the printed answer differs"; fail=1
    fi
fi
[ "$fail" -eq 0 ] && echo "test-mpi: passed"
exit "$fail"
