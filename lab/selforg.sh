#!/usr/bin/env bash
# Lab self-organizing overlay (docs/architecture.md "Self-organizing overlay"): builds the lab, runs the login
# server on plab-login and NO super node; starts serving clients on the public hosts sn1, sn2 and pub1 and behind
# each NAT kind (eim1, sym1, fw1). The public ones must be promoted (the login server probes them from outside),
# the NATed ones never (their offers come from the NAT's address); then eim2 calls sym1 through the promoted
# super nodes. Writes $LAB_OUT/selforg.json and exits non-zero if a NATed client is promoted, fewer than 3
# public ones are, or the call does not connect. Tears the lab down at the end, also after a failure. Root only.
#
# Environment: PARLEY   command that runs the launcher (default: ROOT/parley)
#              LAB_OUT  output directory (default: ROOT/lab-out)
set -euo pipefail
DIR=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=$(cd "$DIR/.." && pwd)
. "$DIR/lib.sh"
lab_require_root
lab_ensure_tools
PARLEY=${PARLEY:-"$ROOT/parley"}
LAB_OUT=${LAB_OUT:-"$ROOT/lab-out"}
OUT="$LAB_OUT/selforg"
rm -rf "$OUT"
mkdir -p "$OUT"

exec 9>"$LAB_LOCK"
flock -w 600 9 || { echo "lab: another lab run holds $LAB_LOCK" >&2; exit 6; }

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  "$DIR/down.sh" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ "$PARLEY" = "$ROOT/parley" ]; then
  "$PARLEY" --version >/dev/null  # build the jar outside the namespaces first
fi
"$DIR/up.sh"

LOGIN="$LAB_PUBLIC_NET.10:7000"
# shellcheck disable=SC2086
# INFO: the promotions and refused offers this script reads are logged at INFO.
lab_ns login $PARLEY login-server --listen "$LOGIN" --data "$OUT/login" --log-level INFO >"$OUT/login.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 600); do [ -f "$OUT/login/address" ] && break; sleep 0.1; done
[ -f "$OUT/login/address" ] || { echo "lab: login server did not start:" >&2; tail -n 20 "$OUT/login.log" >&2; exit 1; }

# Serving clients (auto-answer keeps them online): public ones first, then one behind each NAT kind.
SERVERS="sn1 sn2 pub1 eim1 sym1 fw1"
for h in $SERVERS; do
  echo "secret-$h" >"$OUT/pw-$h"
  # shellcheck disable=SC2086
  lab_ns "$h" $PARLEY client --login "$LOGIN" --user "u$h" --password-file "$OUT/pw-$h" --register \
      --data "$OUT/$h" --auto-answer --serve-port 4000 --ring-timeout 20 >"$OUT/$h.log" 2>&1 &
  PIDS+=($!)
done
promoted() { { grep -o 'promoted at [0-9.]*:[0-9]*' "$OUT/login.log" || true; } | awk '{print $3}' | sort -u; }
for _ in $(seq 1 600); do [ "$(promoted | wc -l)" -ge 3 ] && break; sleep 0.1; done
# Every NATed client has offered (and was refused) by now or soon: give them their first offer.
for _ in $(seq 1 300); do
  [ "$(grep -c 'is not the address this connection comes from' "$OUT/login.log" || true)" -ge 3 ] && break; sleep 0.1
done

FAILED=0
PROMOTED=$(promoted | paste -sd' ' -)
REFUSED=$(grep -c 'is not the address this connection comes from' "$OUT/login.log" || true)
for a in $PROMOTED; do
  case "${a%%:*}" in
    "$LAB_PUBLIC_NET.11"|"$LAB_PUBLIC_NET.12"|"$LAB_PUBLIC_NET.21") ;;
    *) echo "lab selforg: FAIL: $a promoted (not a public client)" >&2; FAILED=1 ;;
  esac
done
[ "$(promoted | wc -l)" -ge 3 ] || { echo "lab selforg: FAIL: promoted only: '$PROMOTED'" >&2; tail -n 30 "$OUT/login.log" >&2; FAILED=1; }
[ "$REFUSED" -ge 3 ] || { echo "lab selforg: FAIL: NATed offers refused: $REFUSED (expected >= 3)" >&2; FAILED=1; }

# A call between two NATed clients, both joined through promoted clients.
echo "secret-eim2" >"$OUT/pw-eim2"
# shellcheck disable=SC2086
lab_ns eim2 timeout 60 $PARLEY client --login "$LOGIN" --user ueim2 --password-file "$OUT/pw-eim2" --register \
    --data "$OUT/eim2" --call usym1 --wait-online 30 --report "$OUT/caller.json" --ring-timeout 20 \
    >"$OUT/eim2.log" 2>&1 || true
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d.get(sys.argv[2]); print("-" if v is None else v)' "$1" "$2" 2>/dev/null || echo -; }
CONNECTED=$(jget "$OUT/caller.json" connected)
PATH_TAKEN=$(jget "$OUT/caller.json" path)
[ "$CONNECTED" = True ] || { echo "lab selforg: FAIL: eim2 -> sym1 not connected: $(jget "$OUT/caller.json" end_reason)" >&2; FAILED=1; }

JSON="{\"promoted\":\"$PROMOTED\",\"nat_offers_refused\":$REFUSED,\"call_connected\":$([ "$CONNECTED" = True ] && echo true || echo false),\"call_path\":\"$PATH_TAKEN\"}"
echo "promoted: $PROMOTED"
echo "NATed offers refused: $REFUSED"
echo "eim2 -> sym1: connected=$CONNECTED path=$PATH_TAKEN"
echo "$JSON" | tee "$LAB_OUT/selforg.json"
if [ $FAILED -ne 0 ]; then
  echo "lab selforg: FAILED (logs in $OUT)" >&2
  exit 1
fi
echo "lab selforg: public clients promoted, NATed ones not, the call connected" >&2
