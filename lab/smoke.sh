#!/usr/bin/env bash
# Lab smoke test: builds the lab, runs a STUN server (`parley stun --serve`) on both super-node hosts, runs
# `parley stun` from one client host of each NAT kind against both, and prints the mapping behaviour per kind
# as a table and JSON (also written to $LAB_OUT/smoke.json). Exits non-zero if a kind is not classified as
# expected. Tears the lab down at the end, also after a failure. Needs root.
#
# Environment: PARLEY   command that runs the launcher (default: ROOT/parley); the JUnit test passes
#                       "java -cp ... dev.parley.app.Main"
#              LAB_OUT  output directory (default: ROOT/lab-out)
set -euo pipefail
DIR=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=$(cd "$DIR/.." && pwd)
. "$DIR/lib.sh"
lab_require_root
lab_ensure_tools
PARLEY=${PARLEY:-"$ROOT/parley"}
LAB_OUT=${LAB_OUT:-"$ROOT/lab-out"}
mkdir -p "$LAB_OUT"

# one lab at a time on this machine
exec 9>"$LAB_LOCK"
flock -w 600 9 || { echo "lab: another lab run holds $LAB_LOCK" >&2; exit 6; }

trap '"$DIR/down.sh" >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM
if [ "$PARLEY" = "$ROOT/parley" ]; then
  "$PARLEY" --version >/dev/null  # build the jar outside the namespaces first
fi
"$DIR/up.sh"

STUN_PORT=3478
for sn in sn1 sn2; do
  ip="$LAB_PUBLIC_NET.1${sn#sn}"
  rm -rf "$LAB_OUT/$sn"
  # shellcheck disable=SC2086
  lab_ns "$sn" $PARLEY stun --serve "$ip:$STUN_PORT" --data "$LAB_OUT/$sn" >"$LAB_OUT/$sn.log" 2>&1 &
done
for sn in sn1 sn2; do
  for _ in $(seq 1 300); do [ -f "$LAB_OUT/$sn/address" ] && break; sleep 0.1; done
  [ -f "$LAB_OUT/$sn/address" ] || { echo "lab: STUN server on $sn did not start:" >&2; cat "$LAB_OUT/$sn.log" >&2; exit 1; }
done

# host kind expected

FAILED=0
ROWS=()
JSON="["

while IFS=: read -r host kind expected; do
  [ -n "$host" ] || continue
  # shellcheck disable=SC2086
  out=$(lab_ns "$host" $PARLEY stun --server "$LAB_PUBLIC_NET.11:$STUN_PORT" --server "$LAB_PUBLIC_NET.12:$STUN_PORT" \
        --rto-ms 100 --rc 5 2>"$LAB_OUT/$host.err") || { echo "lab: parley stun failed on $host:" >&2; cat "$LAB_OUT/$host.err" >&2; exit 1; }
  echo "$out" >"$LAB_OUT/$host.out"
  json=$(echo "$out" | tail -n1)
  mapping=$(echo "$out" | sed -n 's/^mapping: //p')
  srflx=$(echo "$out" | sed -n 's/^server-reflexive: //p')
  mapped=$(echo "$out" | sed -n 's/^  [0-9.:]* -> \([0-9.:]*\) (.*/\1/p' | paste -sd' ' -)
  verdict=ok
  [ "$mapping" = "$expected" ] || { verdict="FAIL (expected $expected)"; FAILED=1; }
  ROWS+=("$(printf '%-10s %-22s %-22s %-24s %-44s %s' "$host" "$kind" "$mapping" "$srflx" "${mapped:--}" "$verdict")")
  [ "$JSON" = "[" ] || JSON="$JSON,"
  JSON="$JSON{\"host\":\"$host\",\"nat\":\"$kind\",\"expected\":\"$expected\",\"ok\":$([ "$verdict" = ok ] && echo true || echo false),\"stun\":$json}"
done < <(printf '%s\n' pub1:public:"no NAT" eim1:endpoint-independent:endpoint-independent sym1:symmetric:endpoint-dependent fw1:udp-blocked:blocked)
JSON="$JSON]"

printf '%-10s %-22s %-22s %-24s %-44s %s\n' host nat mapping server-reflexive "mapped (sn1 sn2)" result
printf '%s\n' "${ROWS[@]}"
echo "$JSON" | tee "$LAB_OUT/smoke.json"
echo
if [ $FAILED -ne 0 ]; then
  echo "lab smoke: FAILED" >&2
  exit 1
fi
echo "lab smoke: all NAT kinds classified as expected" >&2
