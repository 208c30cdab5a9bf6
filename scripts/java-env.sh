# Sourced by ./parley and ./test.sh: finds a JDK >= 21 and sets JAVA_HOME, JAVA, MAVEN_OPTS, JVM_FLAGS.
# Order: $JAVA_HOME if it is >= 21, then `java` on PATH, then JDKs under /usr/lib/jvm and /opt (newest first).

parley_java_major() { # $1 = java binary; prints the feature version (e.g. 17, 21, 25) or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1
}

parley_find_jdk() {
  local c home major
  for c in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java 2>/dev/null)" \
           $(ls -d /usr/lib/jvm/*/bin/java /opt/*/bin/java /opt/java/*/bin/java 2>/dev/null | sort -rV); do
    [ -n "$c" ] && [ -x "$c" ] || continue
    major=$(parley_java_major "$c")
    [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null || continue
    home=$(cd "$(dirname "$(readlink -f "$c")")/.." && pwd)
    [ -x "$home/bin/javac" ] || continue   # need a JDK, not a JRE, to build
    echo "$home $major"
    return 0
  done
  return 1
}

if ! found=$(parley_find_jdk); then
  echo "parley: no JDK 21 or newer found (looked at \$JAVA_HOME, java on PATH, /usr/lib/jvm, /opt)." >&2
  echo "parley: install one, e.g. 'apt-get install openjdk-21-jdk' or Temurin 21/25, or set JAVA_HOME to it." >&2
  exit 3
fi
JAVA_HOME=${found% *}
PARLEY_JAVA_MAJOR=${found#* }
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"
JVM_FLAGS="--enable-native-access=ALL-UNNAMED"
if [ "$PARLEY_JAVA_MAJOR" -ge 23 ]; then
  # Netty 4.1 and Maven's Guava still use sun.misc.Unsafe; allow it without a warning on JDK 23+.
  JVM_FLAGS="$JVM_FLAGS --sun-misc-unsafe-memory-access=allow"
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi
if ! command -v mvn >/dev/null 2>&1; then
  echo "parley: Apache Maven (mvn) is needed to build; install it, e.g. 'apt-get install maven'." >&2
  exit 3
fi
