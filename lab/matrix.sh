#!/usr/bin/env bash
# Lab call matrix: builds the lab, runs the login server on plab-login and a super node on each of plab-sn1 and
# plab-sn2, then places one real call (the `parley` launcher, a short clip via --play) between every pair of NAT
# kinds — public, endpoint-independent (eim), symmetric (sym), UDP-blocked firewall (fw) — and reports per pair
# the media path each side took, setup time, packets lost and the fidelity score, as a table and JSON
# ($LAB_OUT/matrix.json). The caller registers with sn1, the callee with sn2. Exits non-zero if a pair does not
# connect or takes a less direct path than expected. Tears the lab down at the end, also after a failure. Root only.
#
# Environment: PARLEY        command that runs the launcher (default: ROOT/parley)
#              LAB_OUT       output directory (default: ROOT/lab-out)
#              MATRIX_CLIP_S seconds of the bundled speech clip to play (default 3)
#              MATRIX_PAIRS  space-separated subset, e.g. "eim:eim sym:sym" (default: all 11 pairs)
#              MATRIX_JOBS   pairs called at the same time (default 1: setup times measured on a quiet machine)
set -euo pipefail
DIR=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=$(cd "$DIR/.." && pwd)
. "$DIR/lib.sh"
lab_require_root
lab_ensure_tools
PARLEY=${PARLEY:-"$ROOT/parley"}
LAB_OUT=${LAB_OUT:-"$ROOT/lab-out"}
CLIP_S=${MATRIX_CLIP_S:-3}
JOBS=${MATRIX_JOBS:-1}
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || { echo "lab: MATRIX_JOBS=$JOBS (expected: a positive number)" >&2; exit 2; }
KINDS="pub eim sym fw"
# eimacc:eimacc: two EIM routers that accept unsolicited input (the conntrack quirk, docs/nat.md), each behind an ISP router
PAIRS=${MATRIX_PAIRS:-"pub:pub pub:eim pub:sym pub:fw eim:eim eim:sym eim:fw sym:sym sym:fw fw:fw eimacc:eimacc"}
OUT="$LAB_OUT/matrix"
rm -rf "$OUT"
mkdir -p "$OUT"

exec 9>"$LAB_LOCK"
flock -w 600 9 || { echo "lab: another lab run holds $LAB_LOCK" >&2; exit 6; }

PIDS=()
PAIR_PIDS=()
cleanup() {
  for p in "${PIDS[@]}" "${PAIR_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}" "${PAIR_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  "$DIR/down.sh" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ "$PARLEY" = "$ROOT/parley" ]; then
  "$PARLEY" --version >/dev/null  # build the jar outside the namespaces first
fi

# A short clip: the first CLIP_S seconds of the bundled speech sample (48 kHz mono 16-bit).
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

"$DIR/up.sh"

LOGIN="$LAB_PUBLIC_NET.10:7000"
SN1="$LAB_PUBLIC_NET.11:4000"
SN2="$LAB_PUBLIC_NET.12:4000"
# shellcheck disable=SC2086
lab_ns login $PARLEY login-server --listen "$LOGIN" --data "$OUT/login" >"$OUT/login.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 600); do [ -f "$OUT/login/address" ] && break; sleep 0.1; done
[ -f "$OUT/login/address" ] || { echo "lab: login server did not start:" >&2; tail -n 20 "$OUT/login.log" >&2; exit 1; }
for sn in sn1 sn2; do
  addr=$([ $sn = sn1 ] && echo "$SN1" || echo "$SN2")
  # The operator's enrolment step: a one-time token from the login server's database.
  # shellcheck disable=SC2086
  token=$($PARLEY login-server enroll --data "$OUT/login" 2>>"$OUT/login.log") \
    || { echo "lab: parley login-server enroll failed:" >&2; tail -n 20 "$OUT/login.log" >&2; exit 1; }
  # shellcheck disable=SC2086
  lab_ns $sn $PARLEY supernode --listen "$addr" --login "$LOGIN" --data "$OUT/$sn" --heartbeat-ms 1000 \
    --enroll "$token" >"$OUT/$sn.log" 2>&1 &
  PIDS+=($!)
done
for sn in sn1 sn2; do
  for _ in $(seq 1 600); do [ -f "$OUT/$sn/address" ] && break; sleep 0.1; done
  [ -f "$OUT/$sn/address" ] || { echo "lab: super node $sn did not start:" >&2; tail -n 20 "$OUT/$sn.log" >&2; exit 1; }
done

rank() { case "$1" in direct) echo 0 ;; hole-punched) echo 1 ;; relay-udp) echo 2 ;; relay-tcp) echo 3 ;; *) echo 9 ;; esac; }
# The most direct path each pair can take on these NATs (Linux conntrack filters by address and port).
expected() {
  case "$1:$2" in
    pub:pub) echo direct ;;
    pub:eim|eim:pub|pub:sym|sym:pub|eim:eim|eimacc:eimacc) echo hole-punched ;;
    eim:sym|sym:eim|sym:sym) echo relay-udp ;;
    *) echo relay-tcp ;;
  esac
}
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d.get(sys.argv[2]); print("-" if v is None else (round(v,3) if isinstance(v,float) else v))' "$1" "$2" 2>/dev/null || echo -; }

# run_pair CALLER_KIND:CALLEE_KIND: one call; writes the table row to $OUT/ID.row and the JSON object to $OUT/ID.json
run_pair() {
  local pair=$1 a b caller callee id ua ub cpid cr er connected pa pb setup psetup lost recv fid want verdict
  a=${pair%%:*}; b=${pair##*:}
  caller="${a}1"; callee="${b}2"
  id="$a-$b"
  ua="m${a}${b}a"; ub="m${a}${b}b"
  echo "secret-$id" >"$OUT/pw-$id"
  mkdir -p "$OUT/$id"
  # shellcheck disable=SC2086
  lab_ns "$callee" $PARLEY client --login "$LOGIN" --supernode "$SN2" --user "$ub" --password-file "$OUT/pw-$id" \
      --register --data "$OUT/$id/$ub" --auto-answer --record "$OUT/$id/recorded.wav" --reference "$CLIP" \
      --report "$OUT/$id/callee.json" --ring-timeout 20 >"$OUT/$id-callee.log" 2>&1 &
  cpid=$!
  # shellcheck disable=SC2086
  lab_ns "$caller" timeout 60 $PARLEY client --login "$LOGIN" --supernode "$SN1" --user "$ua" --password-file "$OUT/pw-$id" \
      --register --data "$OUT/$id/$ua" --call "$ub" --wait-online 30 --play "$CLIP" \
      --report "$OUT/$id/caller.json" --ring-timeout 20 >"$OUT/$id-caller.log" 2>&1 || true
  for _ in $(seq 1 150); do kill -0 $cpid 2>/dev/null || break; sleep 0.1; done
  kill $cpid 2>/dev/null || true
  wait $cpid 2>/dev/null || true
  cr="$OUT/$id/caller.json"; er="$OUT/$id/callee.json"
  connected=$(jget "$cr" connected); pa=$(jget "$cr" path); pb=$(jget "$er" path)
  setup=$(jget "$cr" setup_ms); psetup=$(jget "$cr" path_setup_ms)
  lost=$(jget "$er" packets_lost); recv=$(jget "$er" packets_received); fid=$(jget "$er" fidelity)
  want=$(expected "$a" "$b")
  verdict=ok
  if [ "$connected" != True ] || [ "$pa" = - ]; then
    verdict="FAIL (not connected: $(jget "$cr" end_reason))"
  elif [ "$(rank "$pa")" -gt "$(rank "$want")" ]; then
    verdict="FAIL (expected $want)"
  fi
  printf '%-15s %-13s %-13s %8s %8s %6s %6s %8s  %s\n' "$a->$b" "$pa" "$pb" "$setup" "$psetup" "$lost" "$recv" "$fid" "$verdict" \
      >"$OUT/$id.row"
  echo "{\"caller\":\"$a\",\"callee\":\"$b\",\"expected\":\"$want\",\"path\":\"$pa\",\"callee_path\":\"$pb\",\"setup_ms\":\"$setup\",\"path_setup_ms\":\"$psetup\",\"packets_lost\":\"$lost\",\"packets_received\":\"$recv\",\"fidelity\":\"$fid\",\"ok\":$([ "$verdict" = ok ] && echo true || echo false)}" \
      >"$OUT/$id.json"
  echo "lab matrix: $a -> $b: $pa ($verdict)" >&2
}

# MATRIX_JOBS pairs at a time (each pair has its own users and, on a shared NAT, its own mappings)
for pair in $PAIRS; do
  while :; do
    live=0
    for p in "${PAIR_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && live=$((live + 1)); done
    [ "$live" -lt "$JOBS" ] && break
    sleep 0.1
  done
  run_pair "$pair" &
  PAIR_PIDS+=($!)
done
for p in "${PAIR_PIDS[@]}"; do wait "$p" || true; done

FAILED=0
ROWS=()
JSON="["
for pair in $PAIRS; do
  id="${pair%%:*}-${pair##*:}"
  if [ -f "$OUT/$id.row" ]; then
    ROWS+=("$(cat "$OUT/$id.row")")
    grep -q '  ok$' "$OUT/$id.row" || FAILED=1
    [ "$JSON" = "[" ] || JSON="$JSON,"
    JSON="$JSON$(cat "$OUT/$id.json")"
  else
    ROWS+=("$(printf '%-15s %s' "${pair/:/->}" "FAIL (no result)")"); FAILED=1
  fi
done
JSON="$JSON]"

printf '%-15s %-13s %-13s %8s %8s %6s %6s %8s  %s\n' pair path callee-path setup-ms path-ms lost recv fidelity result
printf '%s\n' "${ROWS[@]}"
echo "$JSON" | tee "$LAB_OUT/matrix.json"
echo
if [ $FAILED -ne 0 ]; then
  echo "lab matrix: FAILED (logs in $OUT)" >&2
  exit 1
fi
echo "lab matrix: every pair connected on the expected path" >&2
