#!/bin/sh
# bench/mm/run.sh [BUILD_DIR]: kernel.mm allocator microbenchmarks (docs/BENCHMARKS.md).
#
# Needs the modules built (./mvnw -q -pl kernel.mm -am install -DskipTests) in BUILD_DIR
# (default: this checkout). Compiles MmBench.java against the jars and runs it on JDK 25;
# prints a Markdown table.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$ROOT}
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
V=0.1.0-SNAPSHOT
CP=$B/kernel.mm/target/kernel.mm-$V.jar:$B/kernel.core/target/kernel.core-$V.jar:$B/kernel.log/target/kernel.log-$V.jar
CP=$CP:$B/platform.pc/target/platform.pc-$V.jar:$B/platform.cpu/target/platform.cpu-$V.jar:$B/platform.devices/target/platform.devices-$V.jar
CP=$CP:$(find "$HOME/.m2/repository/org/slf4j/slf4j-api/2.0.17" -name 'slf4j-api-2.0.17.jar' | head -1)
OUT=$B/bench/target/mm
mkdir -p "$OUT"
"$JAVA_HOME/bin/javac" --release 25 -cp "$CP" -d "$OUT" "$ROOT/bench/mm/MmBench.java"
exec "$JAVA_HOME/bin/java" -Xms512m -Xmx512m -cp "$OUT:$CP" kernel.mm.internal.MmBench
