#!/usr/bin/env bash
# Runs the word-count sample (samples/src/main/java/io/riffle/samples/WordCount.java) against a
# Riffle node or any Kafka cluster. Builds the processor and the sample first when needed.
#   samples/run-wordcount.sh --bootstrap localhost:9092 [--guarantee exactly_once_v2] ...
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
stamp=samples/target/classpath.txt
if [ ! -f "$stamp" ] || [ -n "$(find pom.xml processor/pom.xml processor/src samples/pom.xml samples/src -newer "$stamp" -print -quit)" ]; then
  echo "building the processor and the samples..." >&2
  mvn -B -q -pl samples -am package -DskipTests >&2
fi
exec java -cp "samples/target/classes:$(cat "$stamp")" io.riffle.samples.WordCount "$@"
