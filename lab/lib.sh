# Shared by the lab scripts: names, root check, tool install, helpers. Sourced, not run.
# Topology (all inside network namespaces named plab-* (LAB_PREFIX); nothing is attached to the host's own network):
#
#   plab-sw: bridge br0 = the "public" segment 10.99.0.0/24
#     plab-login 10.99.0.10   plab-sn1 10.99.0.11   plab-sn2 10.99.0.12
#     plab-pub1 10.99.0.21    plab-pub2 10.99.0.22                          (no NAT)
#     plab-r-eim1 10.99.0.31 | 192.168.31.1/24 -- plab-eim1 192.168.31.2    (MASQUERADE: endpoint-independent)
#     plab-r-eim2 10.99.0.32 | 192.168.32.1/24 -- plab-eim2 192.168.32.2
#     plab-r-sym1 10.99.0.41 | 192.168.41.1/24 -- plab-sym1 192.168.41.2    (MASQUERADE --random-fully: symmetric)
#     plab-r-sym2 10.99.0.42 | 192.168.42.1/24 -- plab-sym2 192.168.42.2
#     plab-r-fw1  10.99.0.51 | 192.168.51.1/24 -- plab-fw1  192.168.51.2    (MASQUERADE + all UDP dropped)
#     plab-r-fw2  10.99.0.52 | 192.168.52.1/24 -- plab-fw2  192.168.52.2
#     plab-isp-eimacc1 10.99.0.133 (proxy ARP for .33) -- plab-r-eimacc1 10.99.0.33/32 | 192.168.33.1/24 -- plab-eimacc1 192.168.33.2
#     plab-isp-eimacc2 10.99.0.134 (proxy ARP for .34) -- plab-r-eimacc2 10.99.0.34/32 | 192.168.34.1/24 -- plab-eimacc2 192.168.34.2
#                                                         (MASQUERADE, unsolicited input accepted, behind an ISP router)
#
# LAB_ROUTER_INPUT=drop (default) makes each NAT router drop unsolicited UDP addressed to itself, as home routers
# do. LAB_ROUTER_INPUT=accept leaves the INPUT chain open: then an early check from a peer leaves a conntrack entry
# on the router that remaps the host's later flow to that peer (the "conntrack quirk", docs/nat.md), and two such
# NATs can only be hole-punched when the first packets cross in flight. The eimacc routers always accept input;
# each sits behind its own ISP router, as on the Internet, so that the callee's low-TTL first checks can expire
# between the two NATs (with both NAT routers on the one segment, a TTL that leaves one NAT reaches the other).
set -euo pipefail
LAB_ROUTER_INPUT=${LAB_ROUTER_INPUT:-drop}
case "$LAB_ROUTER_INPUT" in drop|accept) ;; *) echo "lab: LAB_ROUTER_INPUT=$LAB_ROUTER_INPUT (expected: drop or accept)" >&2; exit 2 ;; esac

# LAB_PREFIX names the lab's namespaces (PREFIX-*) and the links it creates (PREFIXv*): labs with different
# prefixes are separate networks and can run at the same time (the tests run theirs side by side).
LAB_PREFIX=${LAB_PREFIX:-plab}
[[ "$LAB_PREFIX" =~ ^plab[a-uw-z0-9]{0,4}$ ]] \
  || { echo "lab: LAB_PREFIX=$LAB_PREFIX (expected: plab and up to 4 more letters or digits, no v)" >&2; exit 2; }
LAB_PUBLIC_NET=10.99.0
LAB_LOCK=/run/parley-lab-$LAB_PREFIX.lock
# public hosts: name ip
LAB_PUBLIC_HOSTS="login:10 sn1:11 sn2:12 pub1:21 pub2:22"
# NATed clients: name:kind:public-octet:private-subnet-octet
LAB_NAT_CLIENTS="eim1:eim:31:31 eim2:eim:32:32 sym1:sym:41:41 sym2:sym:42:42 fw1:fw:51:51 fw2:fw:52:52"
LAB_NAT_CLIENTS="$LAB_NAT_CLIENTS eimacc1:eimacc:33:33 eimacc2:eimacc:34:34"

lab_log() { echo "lab: $*" >&2; }

lab_require_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "lab: must run as root (it creates network namespaces, veth pairs, a bridge and iptables rules)." >&2
    echo "lab: try: sudo $0" >&2
    exit 4
  fi
}

lab_missing_tools() { # prints the Debian packages of the tools the lab needs that are missing
  local missing=()
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  command -v ping >/dev/null 2>&1 || missing+=(iputils-ping)
  echo "${missing[*]}"
}

lab_ensure_tools() {
  local missing
  missing=$(lab_missing_tools)
  if [ -n "$missing" ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
      echo "lab: missing $missing and no apt-get to install them; install them and retry." >&2
      exit 5
    fi
    # The lab scripts run side by side (the test suite's lab stage): one installs at a time, under
    # a lock, and the others find the tools there when they get it (apt-get fails at once on its own lock).
    (
      flock -w 600 9 || { echo "lab: waited 10 min for another lab script's apt-get; giving up." >&2; exit 5; }
      missing=$(lab_missing_tools)
      if [ -n "$missing" ]; then
        lab_log "installing $missing with apt-get"
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
        # shellcheck disable=SC2086 # one word per package
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq $missing >&2
      fi
    ) 9>/run/lock/parley-lab-apt.lock || exit 5
  fi
  if ! ip netns list >/dev/null 2>&1; then
    echo "lab: 'ip netns' does not work here (no network namespace support?)." >&2
    exit 5
  fi
}

# Runs a command in a lab namespace: lab_ns NAME CMD...
lab_ns() { local n=$1; shift; ip netns exec "$LAB_PREFIX-$n" "$@"; }

# Lists the lab's namespaces that exist now.
lab_existing_ns() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$LAB_PREFIX-" || true; }
