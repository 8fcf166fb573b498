#!/bin/sh
# bench_viz.sh -- the visualiser's drawing speed (make bench): frames per
# second of the whole picture (hosts, task blocks, flows, charts, ticker)
# drawn offscreen in software at 1280x800, for tests/data/viz/bench-500.yaml
# (500 hosts, 5,000 tasks, run to t=60 s) and for a made-up world of the
# same size. The target is 60 frames per second or more; exits 1
# when a measurement is below it.
#   sh tests/bench_viz.sh [BUILD]      (BENCH_VIZ_FRAMES=N frames, default 300;
#                                       ECSIM=path overrides BUILD/ecsim)
# Prints: bench_viz case=... fps=F frames=N size=1280x800
set -eu
build=${1:-build}
ecsim=${ECSIM:-$build/ecsim}
frames=${BENCH_VIZ_FRAMES:-300}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
report() { # case, output of ecsim render --bench
    fps=$(printf '%s\n' "$2" | sed -n 's/.*: \([0-9.]*\) frames\/s.*/\1/p')
    echo "bench_viz case=$1 fps=$fps frames=$frames size=1280x800"
    if [ -z "$fps" ] || awk -v f="$fps" 'BEGIN { exit !(f < 60) }'; then
        echo "bench_viz: $1 draws under 60 frames per second" >&2
        status=1
    fi
}
out=$("$ecsim" render tests/data/viz/bench-500.yaml --at 60 --bench "$frames" -o "$tmp/bench.png")
report scenario-500-hosts-5000-tasks "$out"
out=$("$ecsim" render --synthetic 500x5000 --bench "$frames")
report synthetic-500-hosts-5000-tasks "$out"
exit $status
