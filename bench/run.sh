#!/usr/bin/env bash
# Builds what the broker bench needs (the Riffle distribution, the Kafka anchor's kafka-lib and the
# bench itself) and runs io.riffle.bench.BrokerBench with the given options, e.g.
#   bench/run.sh                     # Riffle vs Kafka, default sizes, 1 repetition
#   bench/run.sh --kafka-only --reps 3
#   bench/run.sh --cases produce-100B --records 200000
# Set BENCH_SKIP_BUILD=1 to skip the Maven build. The table lands in bench/target/broker-bench.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  # -am builds every module the shell assembles, so the distribution matches the sources.
  (cd "$root" && mvn -B -q -DskipTests package -pl bench -am)
fi
exec java -cp "$root/bench/target/riffle-bench-0.1.0-SNAPSHOT.jar" io.riffle.bench.BrokerBench --root "$root" "$@"
