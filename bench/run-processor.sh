#!/usr/bin/env bash
# Builds what the processor bench needs (the Riffle distribution, kafka-lib with Kafka Streams,
# the bench) and runs io.riffle.bench.ProcessorBench: word count on Riffle's processor vs Kafka
# Streams 4.3.1 on one Riffle node, e.g.
#   bench/run-processor.sh                          # 1M lines x 10 words, both guarantees; and restore-1GB
#   bench/run-processor.sh --cases restore --restore-mb 256   # restore time of a 256 MB store
#   bench/run-processor.sh --reps 3 --cases eos
# Set BENCH_SKIP_BUILD=1 to skip the Maven build. The table lands in bench/target/processor-bench.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  (cd "$root" && mvn -B -q -DskipTests package -pl bench -am)
fi
exec java -cp "$root/bench/target/riffle-bench-0.1.0-SNAPSHOT.jar" io.riffle.bench.ProcessorBench --root "$root" "$@"
