#!/bin/sh
# bench/vm/run.sh [PAGES] [ROUNDS]: page-fault handling (demand-zero, COW copy, COW reuse)
# measured through the real CPU loop; see FaultBench.java. Builds kernel.mm and what it needs
# (offline Maven, no tests) unless SKIP_BUILD=1, then runs the benchmark on JDK 25 (JAVA, or
# the Temurin 25 install, or java on the PATH). Prints a Markdown table for docs/BENCHMARKS.md.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
JAVA=${JAVA:-}
if [ -z "$JAVA" ]; then
    for j in /usr/lib/jvm/temurin-25-jdk-amd64/bin/java "${JAVA_HOME:-/nonexistent}/bin/java"; do
        if [ -x "$j" ]; then JAVA=$j; break; fi
    done
    JAVA=${JAVA:-java}
fi
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    ./mvnw -q -o -pl kernel.mm -am package -DskipTests
fi
SLF4J=$(ls "$HOME"/.m2/repository/org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar)
CP=platform.cpu/target/classes:platform.pc/target/classes:platform.devices/target/classes
CP=$CP:kernel.log/target/classes:kernel.core/target/classes:kernel.mm/target/classes:$SLF4J
exec "$JAVA" -Xss8m -cp "$CP" bench/vm/FaultBench.java "$@"
