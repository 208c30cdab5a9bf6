#!/usr/bin/env bash
# Builds the lab (see lib.sh for the topology): a public segment and client hosts behind NAT routers of each
# kind, from network namespaces, veth pairs, a bridge and iptables. Tears down any previous lab first; on any
# failure it tears down what it built. Needs root.
set -euo pipefail
DIR=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
. "$DIR/lib.sh"
lab_require_root
lab_ensure_tools
"$DIR/down.sh"
trap 'rc=$?; if [ $rc -ne 0 ]; then lab_log "up failed (exit $rc), tearing down"; "$DIR/down.sh"; fi' EXIT

VETH=0
# veth NS_A IF_A NS_B IF_B: a veth pair between two namespaces, ends renamed IF_A / IF_B
veth() {
  VETH=$((VETH + 1))
  local a="${LAB_PREFIX}v${VETH}a" b="${LAB_PREFIX}v${VETH}b"
  ip link add "$a" type veth peer name "$b"
  ip link set "$a" netns "$LAB_PREFIX-$1"
  ip link set "$b" netns "$LAB_PREFIX-$3"
  lab_ns "$1" ip link set "$a" name "$2"
  lab_ns "$3" ip link set "$b" name "$4"
  lab_ns "$1" ip link set "$2" up
  lab_ns "$3" ip link set "$4" up
}

newns() {
  ip netns add "$LAB_PREFIX-$1"
  lab_ns "$1" ip link set lo up
}

newns sw
lab_ns sw ip link add br0 type bridge
lab_ns sw ip link set br0 up
PORT=0
# attach NS IF IP/24: connect a namespace to the public bridge
attach() {
  PORT=$((PORT + 1))
  veth "$1" "$2" sw "p$PORT"
  lab_ns sw ip link set "p$PORT" master br0
  lab_ns "$1" ip addr add "$3/24" dev "$2"
}

for h in $LAB_PUBLIC_HOSTS; do
  name=${h%%:*}; octet=${h##*:}
  newns "$name"
  attach "$name" eth0 "$LAB_PUBLIC_NET.$octet"
done

for c in $LAB_NAT_CLIENTS; do
  IFS=: read -r name kind pub sub <<<"$c"
  r="r-$name"
  newns "$r"
  newns "$name"
  if [ "$kind" = eimacc ]; then
    # one more router between this NAT and the segment (an ISP's): it answers ARP for the NAT's public address
    isp="isp-$name"; isp_ip="$LAB_PUBLIC_NET.$((pub + 100))"
    newns "$isp"
    attach "$isp" wan "$isp_ip"
    veth "$isp" cpe "$r" wan
    # proxy_delay=0: the kernel otherwise delays proxy ARP replies by up to 0.8 s, holding back first packets
    lab_ns "$isp" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.wan.proxy_arp=1 net.ipv4.neigh.wan.proxy_delay=0
    lab_ns "$isp" ip route add "$LAB_PUBLIC_NET.$pub/32" dev cpe
    lab_ns "$r" ip addr add "$LAB_PUBLIC_NET.$pub/32" dev wan
    lab_ns "$r" ip route add "$isp_ip/32" dev wan
    lab_ns "$r" ip route add default via "$isp_ip"
  else
    attach "$r" wan "$LAB_PUBLIC_NET.$pub"
  fi
  veth "$r" lan "$name" eth0
  lab_ns "$r" ip addr add "192.168.$sub.1/24" dev lan
  lab_ns "$name" ip addr add "192.168.$sub.2/24" dev eth0
  lab_ns "$name" ip route add default via "192.168.$sub.1"
  lab_ns "$r" sysctl -qw net.ipv4.ip_forward=1
  if [ "$LAB_ROUTER_INPUT" = drop ] && [ "$kind" != eimacc ]; then
    # like a home router: unsolicited UDP to the router itself is dropped, so it leaves no conntrack entry
    lab_ns "$r" iptables -A INPUT -i wan -p udp -m conntrack --ctstate NEW -j DROP
  fi
  case "$kind" in
    eim|eimacc) lab_ns "$r" iptables -t nat -A POSTROUTING -o wan -j MASQUERADE ;;
    sym) lab_ns "$r" iptables -t nat -A POSTROUTING -o wan -j MASQUERADE --random-fully ;;
    fw)  lab_ns "$r" iptables -t nat -A POSTROUTING -o wan -j MASQUERADE
         lab_ns "$r" iptables -A FORWARD -p udp -j DROP ;;
    *) echo "lab: unknown NAT kind $kind" >&2; exit 1 ;;
  esac
done

# sanity: every client reaches super node 1 over ICMP
for c in pub1 $(for x in $LAB_NAT_CLIENTS; do echo "${x%%:*}"; done); do
  lab_ns "$c" ping -c1 -W2 "$LAB_PUBLIC_NET.11" >/dev/null || { echo "lab: $c cannot reach $LAB_PUBLIC_NET.11" >&2; exit 1; }
done
lab_log "up: $(lab_existing_ns | wc -l) namespaces; public segment $LAB_PUBLIC_NET.0/24; routers' unsolicited UDP input: $LAB_ROUTER_INPUT"
