#!/bin/sh
# bench_trace.sh -- trace streaming speed and memory: generates a 1 GiB
# per-request CSV (t_seconds,demand_ms,endpoint, about 45 million rows) in a
# temporary directory with a tiny C generator compiled on the spot (awk
# takes minutes), then reads it through `ecsim trace stats --rusage` and
# reports rows per second and peak RSS. The trace is streamed, so peak RSS
# must stay under 50 MiB whatever the file's size; exits 1 if it does not.
#   sh tests/bench_trace.sh [BUILD]       (BENCH_TRACE_MB=1024 sets the size;
#                                          ECSIM=path overrides BUILD/ecsim)
# Prints: bench_trace rows=N mib=M wall_s=X rows_per_s=Y mib_per_s=Z peak_rss_mib=R
set -eu
build=${1:-build}
ecsim=${ECSIM:-$build/ecsim}
mib=${BENCH_TRACE_MB:-1024}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/gen.c" <<'EOF'
/* gen.c -- writes a per-request CSV of at least argv[1] MiB to stdout:
 * arrivals 0.7 ms apart on average, three endpoints, demands in ms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
    unsigned long long limit = strtoull(argv[1], NULL, 10) << 20, written = 0, t_us = 0, x = 88172645463325252ULL;
    static const char *eps[] = {"/api/search", "/api/cart", "/static/app.js"};
    static char buf[1 << 20];
    size_t n = (size_t) sprintf(buf, "t_seconds,demand_ms,endpoint\n");
    while (written + n < limit) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
        t_us += x % 1400;
        n += (size_t) sprintf(buf + n, "%llu.%06llu,%llu.%llu,%s\n", t_us / 1000000, t_us % 1000000,
                              (x >> 20) % 500, (x >> 40) % 10, eps[(x >> 50) % 3]);
        if (n > sizeof buf - 128) {
            fwrite(buf, 1, n, stdout);
            written += n;
            n = 0;
        }
    }
    fwrite(buf, 1, n, stdout);
    return 0;
}
EOF
cc -O2 -o "$tmp/gen" "$tmp/gen.c"
"$tmp/gen" "$mib" > "$tmp/trace.csv"
bytes=$(wc -c < "$tmp/trace.csv")

t0=$(date +%s.%N)
"$ecsim" trace stats "$tmp/trace.csv" --format requests --rusage > "$tmp/stats"
t1=$(date +%s.%N)
rows=$(sed -n 's/^rows: //p' "$tmp/stats")
rss_kib=$(sed -n 's/^peak_rss_kib=//p' "$tmp/stats")
awk -v n="$rows" -v b="$bytes" -v t0="$t0" -v t1="$t1" -v rss="$rss_kib" 'BEGIN {
    w = t1 - t0;
    printf "bench_trace rows=%d mib=%.0f wall_s=%.2f rows_per_s=%.0f mib_per_s=%.0f peak_rss_mib=%.1f\n",
        n, b / 1048576, w, n / w, b / 1048576 / w, rss / 1024;
    ok = rss / 1024 < 50;
    printf "peak RSS %.1f MiB (target < 50): %s\n", rss / 1024, ok ? "ok" : "TOO HIGH";
    exit !ok }'
