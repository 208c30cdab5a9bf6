#!/usr/bin/env bash
# Runs the whole test suite (all modules) with a JDK >= 21. Extra arguments go to Maven.
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
. "$ROOT/scripts/java-env.sh"
echo "test.sh: JDK $PARLEY_JAVA_MAJOR at $JAVA_HOME" >&2
cd "$ROOT"
exec mvn -B -Dstyle.color=never verify "$@"
