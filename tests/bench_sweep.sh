#!/bin/sh
# bench_sweep.sh -- `make bench`, second part: the sweep pool and a large run.
#   1. a 200-run sweep of scenarios/bench.yaml cut to 10 simulated seconds
#      at 8,000 requests per second (10 configurations x 20 replications)
#      with -j 1 and -j 2: the speed-up
#      (target >= 1.9 on 2 cores);
#   2. the per-run overhead: a 200-run sweep of a one-request run, wall time
#      / 200 (target < 5 ms);
#   3. one large run, tests/data/bench-large.yaml: 5,000 hosts, 50,000 tasks,
#      10 million requests (BENCH_LARGE_REQUESTS=N to scale it): wall time
#      and peak RSS.
set -eu
build=${1:-build}
ecsim=$build/ecsim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

sweep_wall() { # jobs, then extra --set/--vary arguments
    j=$1
    shift
    t0=$(now)
    "$ecsim" sweep scenarios/bench.yaml -q -j "$j" -o "$tmp/sweep-$j" "$@"
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

ten="--set run.duration_s=10 --set run.max_requests=100000000 --set workloads.bench.rate_per_s=8000 --set workloads.bench.demand.mean_s=0.01 --vary services.bench.desired_count=91:100 --replications 20"
# shellcheck disable=SC2086
w1=$(sweep_wall 1 $ten)
# shellcheck disable=SC2086
w2=$(sweep_wall 2 $ten)
awk -v a="$w1" -v b="$w2" 'BEGIN {
    printf "sweep 200 runs x 10 s: -j1 wall_s=%.3f -j2 wall_s=%.3f speed-up=%.2f (target >= 1.9 on 2 cores)\n", a, b, a / b }'

w=$(sweep_wall 1 --set run.max_requests=1 --vary services.bench.desired_count=1:100 --replications 2)
awk -v a="$w" 'BEGIN {
    printf "sweep 200 one-request runs -j1: wall_s=%.3f per_run_ms=%.2f (target < 5)\n", a, a / 200 * 1000 }'

n=${BENCH_LARGE_REQUESTS:-10000000}
t0=$(now)
"$ecsim" run tests/data/bench-large.yaml -q -o "$tmp/large" --set run.max_requests="$n" \
    --rusage > "$tmp/rusage"
t1=$(now)
rss_kib=$(sed -n 's/^peak_rss_kib=//p' "$tmp/rusage")
awk -v n="$n" -v t0="$t0" -v t1="$t1" -v rss="$rss_kib" 'BEGIN {
    printf "large run hosts=5000 tasks=50000 requests=%d wall_s=%.1f peak_rss_mib=%.1f\n", n, t1 - t0, rss / 1024 }'
