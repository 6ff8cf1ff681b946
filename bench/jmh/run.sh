#!/bin/sh
# Runs the JMH micro-benchmarks (scanner, token minting, the vault, streamed detokenizing per chunk,
# SSE and event-stream codecs).
# Usage: bench/jmh/run.sh [JMH options], e.g. bench/jmh/run.sh Scanner -f 1 -wi 2 -i 3
# Without options: a short run of every benchmark (about 9 minutes).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [ ! -f bench/jmh/target/classpath.txt ] || [ ! -d bench/jmh/target/classes/META-INF ]; then
  mvn -B -q package -DskipTests -pl bench/jmh -am
fi
cp="bench/jmh/target/classes:$(cat bench/jmh/target/classpath.txt)"
if [ $# -eq 0 ]; then
  set -- -f 1 -wi 3 -w 2s -i 5 -r 2s
fi
exec java -cp "$cp" org.openjdk.jmh.Main "$@"
