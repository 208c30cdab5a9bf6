#!/usr/bin/env bash
# Lab self-organizing overlay (docs/architecture.md "Self-organizing overlay"): builds the lab, runs the login
# server on plab-login and NO super node; starts serving clients on the public hosts sn1, sn2 and pub1 and behind
# each NAT kind (eim1, sym1, fw1). The public ones must be promoted (the login server probes them from outside),
# the NATed ones never (their offers come from the NAT's address); then eim2 calls sym1 through the promoted
# super nodes, and mid-call the busiest promoted super node is killed (SIGKILL); afterwards fw2 calls a client
# that was on it. Writes $LAB_OUT/selforg.json and exits non-zero if a NATed client is promoted, fewer than 3
# public ones are, the call does not connect or does not last its clip, no client rejoins, or the call after
# the kill does not connect. Tears the lab down at the end, also after a failure. Root only.
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

# A call between two NATed clients, both joined through promoted clients; mid-call the busiest
# promoted super node (most clients "online via" it) is killed: the call must go on (path failover),
# and a client that was registered on it must be found and called again afterwards.
CLIP_S=20
CLIP="$OUT/clip.wav"
python3 - "$ROOT/codec/src/main/resources/dev/parley/codec/clips/speech-sample.wav" "$CLIP" "$CLIP_S" <<'PY'
import sys, wave
src, dst, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
with wave.open(src) as r:
    params = r.getparams()
    frames = r.readframes(int(r.getframerate() * secs))
with wave.open(dst, "wb") as w:
    w.setparams(params)
    w.writeframes(frames)
PY
CLIP_S=$(python3 -c 'import sys,wave; w=wave.open(sys.argv[1]); print(int(w.getnframes()/w.getframerate()))' "$CLIP")
echo "secret-eim2" >"$OUT/pw-eim2"
# shellcheck disable=SC2086
lab_ns eim2 timeout 90 $PARLEY client --login "$LOGIN" --user ueim2 --password-file "$OUT/pw-eim2" --register \
    --data "$OUT/eim2" --call usym1 --wait-online 30 --play "$CLIP" --report "$OUT/caller.json" --ring-timeout 20 \
    >"$OUT/eim2.log" 2>&1 &
CALLER=$!
PIDS+=($CALLER)
for _ in $(seq 1 600); do grep -q 'is end-to-end encrypted' "$OUT/eim2.log" && break; kill -0 $CALLER 2>/dev/null || break; sleep 0.1; done
sleep 2  # media flowing on the chosen path before the kill
# The busiest promoted super node: the address most clients went online via.
BUSIEST=$(cat "$OUT"/*.log | { grep -o 'online via super node [0-9.]*:[0-9]*' || true; } | awk '{print $5}' | sort | uniq -c \
    | sort -rn | awk 'NR==1{print $2}')
VICTIM=""
case "${BUSIEST%%:*}" in
  "$LAB_PUBLIC_NET.11") VICTIM=sn1 ;;
  "$LAB_PUBLIC_NET.12") VICTIM=sn2 ;;
  "$LAB_PUBLIC_NET.21") VICTIM=pub1 ;;
esac
KILLED=false
if [ -n "$VICTIM" ]; then
  # Every process in the victim's namespace (its client alone): $! above is a subshell, not the JVM.
  for p in $(ip netns pids "$LAB_PREFIX-$VICTIM"); do kill -9 "$p" 2>/dev/null && KILLED=true; done
fi
[ "$KILLED" = true ] || { echo "lab selforg: FAIL: could not kill the busiest super node ('$BUSIEST')" >&2; FAILED=1; }
for _ in $(seq 1 900); do kill -0 $CALLER 2>/dev/null || break; sleep 0.1; done
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d.get(sys.argv[2]); print("-" if v is None else v)' "$1" "$2" 2>/dev/null || echo -; }
CONNECTED=$(jget "$OUT/caller.json" connected)
PATH_TAKEN=$(jget "$OUT/caller.json" path)
DURATION_MS=$(jget "$OUT/caller.json" duration_ms)
PATH_CHANGES=$(jget "$OUT/caller.json" path_changes)
END=$(jget "$OUT/caller.json" end)
[ "$CONNECTED" = True ] || { echo "lab selforg: FAIL: eim2 -> sym1 not connected: $(jget "$OUT/caller.json" end_reason)" >&2; FAILED=1; }
# The call lasted (nearly) the whole clip: it went on after the kill.
CONTINUED=$(python3 -c 'import sys; d=sys.argv[1]; print("true" if d not in ("-", "") and int(d) >= (int(sys.argv[2]) - 3) * 1000 else "false")' \
    "$DURATION_MS" "$CLIP_S")
[ "$CONTINUED" = true ] || { echo "lab selforg: FAIL: the call lasted $DURATION_MS ms of a ${CLIP_S} s clip (end $END)" >&2; FAILED=1; }

# A client that was online via the killed super node (still running, not in the call) rejoined and is found.
TARGET=""
for h in $SERVERS; do
  [ "$h" = "$VICTIM" ] || [ "$h" = sym1 ] || ! grep -q "online via super node $BUSIEST" "$OUT/$h.log" || { TARGET=$h; break; }
done
[ -n "$TARGET" ] || for h in $SERVERS; do [ "$h" = "$VICTIM" ] || [ "$h" = sym1 ] || { TARGET=$h; break; }; done
python3 - "$CLIP" "$OUT/short.wav" <<'PY'
import sys, wave
with wave.open(sys.argv[1]) as r:
    params = r.getparams()
    frames = r.readframes(int(r.getframerate() * 2))
with wave.open(sys.argv[2], "wb") as w:
    w.setparams(params)
    w.writeframes(frames)
PY
echo "secret-fw2" >"$OUT/pw-fw2"
# shellcheck disable=SC2086
lab_ns fw2 timeout 60 $PARLEY client --login "$LOGIN" --user ufw2 --password-file "$OUT/pw-fw2" --register \
    --data "$OUT/fw2" --call "u$TARGET" --wait-online 20 --play "$OUT/short.wav" --report "$OUT/after.json" --ring-timeout 20 \
    >"$OUT/fw2.log" 2>&1 || true
AFTER=$(jget "$OUT/after.json" connected)
# The killed super node's clients that noticed and rejoined (SessionKeeper logs the loss), and the call's relay.
REJOINED=$(grep -l "lost super node $BUSIEST; rejoining" "$OUT"/*.log 2>/dev/null | wc -l)
RELAY=$({ grep -o 'relay-udp via /[0-9.]*:[0-9]*' "$OUT/eim2.log" || true; } | head -n 1 | sed 's|.*/||')
[ "$REJOINED" -ge 1 ] || { echo "lab selforg: FAIL: no client of $BUSIEST rejoined" >&2; FAILED=1; }
[ "$AFTER" = True ] || { echo "lab selforg: FAIL: fw2 -> $TARGET after the kill: $(jget "$OUT/after.json" end_reason)" >&2; FAILED=1; }

JSON="{\"promoted\":\"$PROMOTED\",\"nat_offers_refused\":$REFUSED,\"call_connected\":$([ "$CONNECTED" = True ] && echo true || echo false),\"call_path\":\"$PATH_TAKEN\",\"killed\":\"$BUSIEST\",\"call_continued\":$CONTINUED,\"call_duration_ms\":\"$DURATION_MS\",\"call_path_changes\":\"$PATH_CHANGES\",\"found_after_kill\":$([ "$AFTER" = True ] && echo true || echo false),\"found_after_kill_user\":\"u$TARGET\",\"clients_rejoined\":$REJOINED,\"call_relay\":\"$RELAY\"}"
echo "promoted: $PROMOTED"
echo "NATed offers refused: $REFUSED"
echo "eim2 -> sym1: connected=$CONNECTED path=$PATH_TAKEN; killed the busiest super node $BUSIEST ($VICTIM) mid-call:"
echo "  the call lasted $DURATION_MS ms of ${CLIP_S} s (path changes: $PATH_CHANGES); fw2 -> u$TARGET afterwards: connected=$AFTER"
echo "  clients of the killed super node that rejoined: $REJOINED; the call's relay: ${RELAY:-none}"
echo "$JSON" | tee "$LAB_OUT/selforg.json"
if [ $FAILED -ne 0 ]; then
  echo "lab selforg: FAILED (logs in $OUT)" >&2
  exit 1
fi
echo "lab selforg: public clients promoted, NATed ones not, the call connected and survived the busiest super node's death" >&2
