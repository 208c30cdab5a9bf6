#!/usr/bin/env bash
# Tears the lab down: every plab-* namespace (with the veths, bridge and iptables rules inside it) and any
# half-created plab* link left in the root namespace. Idempotent: safe to run when nothing is up.
set -euo pipefail
DIR=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
. "$DIR/lib.sh"
lab_require_root
command -v ip >/dev/null 2>&1 || exit 0
# processes started inside the namespaces (servers of a smoke run) die with them
PIDS=()
for ns in $(lab_existing_ns); do
  for pid in $(ip netns pids "$ns" 2>/dev/null || true); do kill "$pid" 2>/dev/null && PIDS+=("$pid"); done
done
# ...and are waited for (up to 10 s): a client's shutdown hook still writes its report and host cache into
# LAB_OUT, which the caller (a test's temp dir) may delete as soon as this script returns
for _ in $(seq 1 100); do
  alive=0
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && { alive=1; break; }; done
  [ "$alive" = 0 ] && break
  sleep 0.1
done
for ns in $(lab_existing_ns); do
  ip netns del "$ns" 2>/dev/null || true
done
for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E "^${LAB_PREFIX}v" || true); do
  ip link del "$link" 2>/dev/null || true
done
lab_log "down"
