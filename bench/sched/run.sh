#!/bin/sh
# bench/sched/run.sh [ROUNDS]: task-switch cost of kernel.sched (best of ROUNDS, default 5).
#
# Builds kernel.sched and what it needs (offline Maven), then runs SchedBench.java with the
# JDK's source launcher on the modules' jars. Prints Markdown table rows for docs/BENCHMARKS.md.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${1:-5}
cd "$ROOT"
# a JDK 25 or later (as ./kestrel finds one)
JAVA=
for cand in "${KESTREL_JAVA:-}" "${JAVA_HOME:+$JAVA_HOME/bin/java}" $(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null) "$(command -v java || true)"; do
    [ -n "$cand" ] && [ -x "$cand" ] || continue
    v=$("$cand" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [ "${v:-0}" -ge 25 ] 2>/dev/null; then JAVA=$cand; break; fi
done
[ -n "$JAVA" ] || { echo "bench: no JDK 25 or later found (set KESTREL_JAVA)" >&2; exit 2; }
./mvnw -q -o -pl kernel.sched -am install -DskipTests
CP=""
for m in platform.cpu platform.pc platform.devices kernel.log kernel.core kernel.sched; do
    for j in "$m"/target/"$m"-*.jar; do
        case "$j" in *-sources.jar|*-javadoc.jar) ;; *) CP="$CP:$j" ;; esac
    done
done
SLF4J=$(find "$HOME/.m2/repository/org/slf4j/slf4j-api" -name 'slf4j-api-*.jar' | sort | tail -1)
CP="${CP#:}:$SLF4J"
echo "| operation | host ns per switch |"
echo "|---|---|"
exec "$JAVA" -cp "$CP" "$ROOT/bench/sched/SchedBench.java" "$ROUNDS"
