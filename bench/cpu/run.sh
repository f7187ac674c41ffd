#!/bin/sh
# bench/cpu/run.sh [SCALE] [RUNS]: the CPU benchmark, side by side in one run.
#
# Builds compute.c with musl-gcc -O2 -static and runs it natively, under qemu-x86_64
# (Debian's qemu-user) and under ./kestrel cpu-run, RUNS times each (default 3), keeping the
# best wall-clock time of each (JVM start included for cpu-run). The instruction count is the
# one cpu-run reports (the same binary executes the same instructions everywhere), so MIPS is
# that count over each runner's time. Prints a table in Markdown, ready for
# docs/BENCHMARKS.md. Needs: musl-tools, qemu-user.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SCALE=${1:-3}
RUNS=${2:-3}
OUT=$ROOT/bench/target
mkdir -p "$OUT"
command -v musl-gcc >/dev/null || { echo "bench: musl-gcc missing (apt-get install musl-tools)" >&2; exit 2; }
command -v qemu-x86_64 >/dev/null || { echo "bench: qemu-x86_64 missing (apt-get install qemu-user)" >&2; exit 2; }
musl-gcc -O2 -static -o "$OUT/compute" "$ROOT/bench/cpu/compute.c"
# warm-up: builds platform.cpu and its start-up cache on first use, outside the timings
"$ROOT/kestrel" cpu-run "$OUT/compute" 0 >/dev/null 2>&1 || { echo "bench: cpu-run failed" >&2; exit 1; }

now() { date +%s%N; }

# best NAME CMD...: runs CMD RUNS times, keeps the best time in ns in $best, its stdout in $OUT/NAME.out
best() {
    name=$1; shift
    best=
    i=0
    while [ $i -lt "$RUNS" ]; do
        t0=$(now)
        "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
        t1=$(now)
        t=$((t1 - t0))
        if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
        i=$((i + 1))
    done
}

best native "$OUT/compute" "$SCALE"; native=$best
best qemu qemu-x86_64 "$OUT/compute" "$SCALE"; qemu=$best
best kestrel "$ROOT/kestrel" cpu-run "$OUT/compute" "$SCALE"; kestrel=$best

for r in qemu kestrel; do
    cmp -s "$OUT/native.out" "$OUT/$r.out" || { echo "bench: $r output differs from native:" >&2; cat "$OUT/$r.out" >&2; exit 1; }
done
insns=$(sed -n 's/.* \([0-9][0-9]*\) instructions.*/\1/p' "$OUT/kestrel.err" | tail -n 1)
[ -n "$insns" ] || { echo "bench: no instruction count from cpu-run:" >&2; cat "$OUT/kestrel.err" >&2; exit 1; }

awk -v n="$native" -v q="$qemu" -v k="$kestrel" -v insns="$insns" -v scale="$SCALE" -v runs="$RUNS" 'BEGIN {
    printf "compute.c, scale %d (%.0f million instructions), best of %d runs\n\n", scale, insns / 1e6, runs
    printf "| runner | time (s) | MIPS | vs native | vs qemu-x86_64 |\n|---|---|---|---|---|\n"
    printf "| native | %.3f | %.0f | 1.0x | %.2fx |\n", n / 1e9, insns / (n / 1e3), n / q
    printf "| qemu-x86_64 | %.3f | %.0f | %.1fx | 1.0x |\n", q / 1e9, insns / (q / 1e3), q / n
    printf "| kestrel cpu-run | %.3f | %.0f | %.1fx | %.1fx |\n", k / 1e9, insns / (k / 1e3), k / n, k / q
}'
