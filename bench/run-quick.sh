#!/bin/sh
# The quick bench suite (under 5 minutes): the proxy jar with DLP, tokens, vault and Kafka audit on,
# nginx as a plain reverse proxy (installed with apt-get when missing) and direct, in front of the
# same OpenAI stand-in, and the proxy's Bedrock front door against the Bedrock stand-in, on
# 127.0.0.1. Warms the JVMs up until their JIT compilers settle (at most 40 s), then measures.
# Prints the table and writes bench/reports/latest.md.
# Options go to the runner: --out FILE, --only TEXT, --scale X, --profile, --keep-work,
# --warm-up-cap SECONDS (0 measures cold), --proxy-java-opts "...", --proxy-java PATH.
# Builds the jars first when they are missing (BENCH_REBUILD=1 forces it).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ "${BENCH_REBUILD:-0}" = 1 ] || [ ! -f proxy-server/target/compliance-proxy.jar ] \
    || [ ! -f bench/stand-in/target/stand-in.jar ] || [ ! -f bench/load/target/bench.jar ] \
    || [ ! -d bench/local-kafka/target/kafka-lib ]; then
  mvn -B -q package -DskipTests
fi
exec java -jar bench/load/target/bench.jar quick --root "$root" "$@"
