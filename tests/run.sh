#!/bin/sh
# run.sh -- runs each cmocka test binary given, from the project root, and
# prints one line per binary and a total. Exits non-zero if any failed.
fail=0; n=0; failed=""
start=$(date +%s)
for t in "$@"; do
    n=$((n + 1))
    t0=$(date +%s)
    if "$t" > "$t.log" 2>&1; then
        printf 'PASS %-40s %4ss\n' "$(basename "$t")" $(( $(date +%s) - t0 ))
    else
        printf 'FAIL %-40s (log: %s)\n' "$(basename "$t")" "$t.log"
        cat "$t.log"
        fail=$((fail + 1)); failed="$failed $(basename "$t")"
    fi
done
echo "tests: $((n - fail)) of $n binaries passed in $(( $(date +%s) - start ))s${failed:+; failed:$failed}"
[ "$fail" -eq 0 ]
