#!/bin/sh
# bench.sh -- `make bench`: ecsim's speed and memory on scenarios/bench.yaml
# (100 single-worker tasks, round robin, Poisson arrivals at utilisation 0.8,
# exponential service with mean 1 s) for 1M and 10M requests, beside the
# hand-written reference loop in ../shared/bench run in the same minute, so
# the figure that matters is the ratio (machines here are noisy); then an
# autoscaled day (tests/data/bench-autoscale-day.yaml).
# Prints: bench requests=N wall_s=X requests_per_s=Y peak_rss_mib=Z
set -eu
build=${1:-build}
ecsim=$build/ecsim
ref_src=../shared/bench/des_heap.c
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

run_ecsim() {
    n=$1
    t0=$(now)
    "$ecsim" run scenarios/bench.yaml -q -o "$tmp/out" --set run.max_requests="$n" \
        --rusage > "$tmp/rusage"
    t1=$(now)
    rss_kib=$(sed -n 's/^peak_rss_kib=//p' "$tmp/rusage")
    awk -v n="$n" -v t0="$t0" -v t1="$t1" -v rss="$rss_kib" 'BEGIN {
        w = t1 - t0;
        printf "bench requests=%d wall_s=%.3f requests_per_s=%.0f peak_rss_mib=%.1f\n", n, w, n / w, rss / 1024 }'
}

run_ecsim 1000000 | tee "$tmp/1m"
run_ecsim 10000000 | tee "$tmp/10m"

if [ -f "$ref_src" ]; then
    cc -O2 -o "$tmp/des_heap" "$ref_src" -lm
    ref=$("$tmp/des_heap" 100 80 1 125000 1 | sed -n 's/.*req_per_s=\([0-9.e+]*\).*/\1/p')
    awk -v ref="$ref" -v a="$(cat "$tmp/10m")" 'BEGIN {
        split(a, f, /[ =]/); ours = f[7];
        printf "reference des_heap.c requests_per_s=%.0f; ecsim/reference = %.2f (target >= 0.63)\n", ref, ours / ref }'
else
    echo "reference loop $ref_src not found: no ratio"
fi
awk -v a="$(cat "$tmp/1m")" -v b="$(cat "$tmp/10m")" 'BEGIN {
    split(a, x, /[ =]/); split(b, y, /[ =]/);
    printf "peak RSS 10M/1M = %.3f (target <= 1.10)\n", y[9] / x[9] }'

# issue 5's speed goal: an autoscaled day, 24 simulated hours at a mean of
# 1,000 requests/s (about 86-91 million requests), target under 30 s
t0=$(now)
"$ecsim" run tests/data/bench-autoscale-day.yaml -q -o "$tmp/day" --rusage > "$tmp/rusage-day"
t1=$(now)
req=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "requests") c = i } NR == 2 { print $c }' "$tmp/day/summary.csv")
rss_kib=$(sed -n 's/^peak_rss_kib=//p' "$tmp/rusage-day")
awk -v n="$req" -v t0="$t0" -v t1="$t1" -v rss="$rss_kib" 'BEGIN {
    printf "autoscaled day requests=%d wall_s=%.1f (target < 30) peak_rss_mib=%.1f\n", n, t1 - t0, rss / 1024 }'
