#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Interface identity and honest writes (docs/design.md "Interface
# identity"): two namespaces that each have an interface of one name never
# touch each other's state, nor does a namespace that got the inode of a
# deleted one; a renamed interface keeps its filter; a deleted
# and recreated one, or one whose hook another program took, refuses writes
# instead of reporting "applied"; a private mount namespace's bpffs (ip
# netns exec, unshare -m) is refused; privilege is by capability.
set -u
. "$(dirname "$0")/../lib.sh"
e2e_init i

RULES=$VFW_ROOT/tests/rules/example.json
DROP_OBJ=$VFW_ROOT/build/xdp_drop.bpf.o
NS2=$(topo_ns_name other)
NS2_PEER=$(topo_ns_name otherp)
RENAMED=$(topo_ifname rn)

# vfw_in NS ARGS...: vaultfw ARGS in network namespace NS.
vfw_in() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$VAULTFW" "$@"; }
vfw2() { vfw_in "$NS2" "$@"; }
# generation_in NS IFACE: the generation live on IFACE in namespace NS.
generation_in() { vfw_in "$1" status "$2" | generation_of; }
xdp_prog_of() { ip -n "$1" -d link show "$2" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'; }
err_has() { grep -q -- "$2" "$TMP/$1.err"; }
# refused NAME CMD TEXT: one error line from CMD, containing TEXT.
refused() { one_error_line "$1" "$2" && err_has "$1" "$3"; }
attached_here() { [ -n "$(xdp_prog_of "$1" "$2")" ]; }

if ! veth_ns_up 10.81.0.1/24 || ! no_ipv6 || ! topo_ns_add "$NS2" || ! topo_ns_add "$NS2_PEER" ||
   ! topo_veth "$NS2" "$IFACE" "$NS2_PEER" "$PEER" || ! vfw -q attach $IFACE "$RULES"; then
	fail "identity: two namespaces with an interface of one name, vaultfw on the first"
	exit 1
fi
OURS=$(xdp_prog_of $NS $IFACE)
G0=$(generation $IFACE)
dump_pinned "$PIN_DIR" >"$TMP/before.dump"

# --- another namespace's interface of the same name -------------------------
check "identity: the pin directory is named by namespace and index" \
	bash -c "[[ $PIN_DIR == */net\$(stat -L -c %i /run/netns/$NS)-if* ]] && [ -d $PIN_DIR ]"
run other-status vfw2 status $IFACE
check "identity: status from the other namespace says the filter is another namespace's" \
	refused other-status status "network namespace net:"
run other-detach vfw2 detach $IFACE
check "identity: detach from the other namespace fails in one line saying so" \
	one_error_line other-detach detach
check "identity: ... naming the namespace the filter is in" err_has other-detach "network namespace net:"
run other-apply vfw2 apply $IFACE "$RULES"
check "identity: apply from the other namespace fails in one line" one_error_line other-apply apply
run other-rule vfw2 rule add $IFACE --ip-address 203.0.113.77
check "identity: rule add from the other namespace fails in one line" one_error_line other-rule rule
run other-all vfw2 status
check "identity: plain status there lists it as another namespace's, suggesting no detach" \
	bash -c "grep -q 'managed only from there' $TMP/other-all.out &&
		 ! grep -q 'run detach' $TMP/other-all.out"
dump_pinned "$PIN_DIR" >"$TMP/after.dump"
check "identity: none of it changed a pinned map of the first namespace" \
	cmp -s "$TMP/before.dump" "$TMP/after.dump"
check "identity: the first namespace's filter is still attached" \
	test "$(xdp_prog_of $NS $IFACE)" = "$OURS"
run other-attach vfw2 attach $IFACE "$RULES" --replace
check "identity: attach --replace there attaches to that namespace's own interface" \
	bash -c "[ $(rc_of other-attach) -eq 0 ]" && attached_here $NS2 $IFACE
check "identity: ... and leaves the first namespace's filter and rules alone" \
	test "$(xdp_prog_of $NS $IFACE) $(generation $IFACE)" = "$OURS $G0"
run other-detach2 vfw2 detach $IFACE
detached_there() {
	[ "$(rc_of other-detach2)" -eq 0 ] && ! attached_here $NS2 $IFACE && [ -d "$PIN_DIR" ] &&
	[ "$(xdp_prog_of $NS $IFACE)" = "$OURS" ]
}
check "identity: detach there removes only that namespace's filter" detached_there

# --- rename -----------------------------------------------------------------
ip -n $NS link set $IFACE down && ip -n $NS link set $IFACE name $RENAMED &&
	ip -n $NS link set $RENAMED up
run renamed-status vfw status $RENAMED
check "identity: a renamed interface keeps its filter, shown under the new name" \
	bash -c "[ $(rc_of renamed-status) -eq 0 ] && grep -q '^  xdp: attached' $TMP/renamed-status.out"
run old-name vfw status $IFACE
check "identity: the old name says what the interface is called now" \
	refused old-name status "now named $RENAMED"
run renamed-apply vfw apply $RENAMED "$RULES"
check "identity: apply under the new name works" test "$(rc_of renamed-apply)" -eq 0
ip -n $NS link set $RENAMED down && ip -n $NS link set $RENAMED name $IFACE && ip -n $NS link set $IFACE up

# --- another program takes the hook -----------------------------------------
ip -n $NS link set dev $IFACE xdp off
ip -n $NS link set dev $IFACE xdp obj "$DROP_OBJ" sec xdp
G1=$(generation $IFACE)
run foreign-apply vfw apply $IFACE "$RULES"
check "identity: apply where another program holds the hook fails in one line naming it" \
	refused foreign-apply apply "program xdp_drop"
check "identity: ... and installs nothing" test "$(generation $IFACE)" = "$G1"
run foreign-rule vfw rule add $IFACE --ip-address 203.0.113.77
check "identity: rule add there fails in one line" one_error_line foreign-rule rule
run foreign-update vfw update $IFACE --default-action Allow
check "identity: update there fails in one line" one_error_line foreign-update update
run foreign-status vfw status $IFACE
check "identity: status says another program holds the hook, and which" \
	grep -q 'attached by another program (xdp_drop, id' "$TMP/foreign-status.out"
run foreign-attach vfw attach $IFACE "$RULES"
check "identity: plain attach says what holds the hook, not 'already attached'" \
	bash -c "grep -q 'held by program xdp_drop' $TMP/foreign-attach.err &&
		 ! grep -q 'already attached' $TMP/foreign-attach.err" && one_error_line foreign-attach attach
run busy vfw attach $IFACE "$RULES" --replace
check "identity: attach --replace names the program that holds the hook" \
	refused busy attach "held by program xdp_drop (id"
ip -n $NS link set dev $IFACE xdp off
run rearm vfw attach $IFACE "$RULES" --replace
rearmed() { [ "$(rc_of rearm)" -eq 0 ] && vfw status $IFACE | grep -q '^  xdp: attached'; }
check "identity: once it is gone, attach --replace re-arms vaultfw" rearmed
run rearmed-apply vfw apply $IFACE "$RULES"
check "identity: and apply works again" test "$(rc_of rearmed-apply)" -eq 0

# --- delete and recreate ----------------------------------------------------
OLD_DIR=$PIN_DIR
ip -n $NS link del $IFACE
topo_veth "$NS" "$IFACE" "$PEER_NS" "$PEER"
run recreated-apply vfw apply $IFACE "$RULES"
check "identity: apply to a recreated interface fails in one line: the filter went with it" \
	refused recreated-apply apply "interface that is gone"
run recreated-attach vfw attach $IFACE "$RULES"
check "identity: plain attach to it works, and clears the old interface's pins" \
	bash -c "[ $(rc_of recreated-attach) -eq 0 ] && [ ! -e $OLD_DIR ] && [ -d $TOPO_PIN_DIR ]"
PIN_DIR=$TOPO_PIN_DIR

# --- a deleted namespace whose inode a new one gets -------------------------
# The kernel hands a deleted namespace's inode to a later one, so the later
# one's first interface gets the very pin directory name the deleted one's
# had (net<INODE>-if<INDEX>). The cookie in vfw_ident tells them apart.
GONE_NS=$(topo_ns_name gone)
GONE_IF=$(topo_ifname g0)
GONE_PEER=$(topo_ifname g1)
topo_ns_add "$GONE_NS" && topo_veth "$GONE_NS" "$GONE_IF" "$GONE_NS" "$GONE_PEER" &&
	vfw_in "$GONE_NS" -q attach "$GONE_IF" "$RULES"
GONE_DIR=$(topo_pin_dir "$GONE_NS" "$GONE_IF")
GONE_INODE=$(stat -L -c %i "/run/netns/$GONE_NS")
TOPO_PIN_DIRS+=("$GONE_DIR")	# cleanup removes it if the steps below do not
ip netns del "$GONE_NS"
# Hold every namespace that gets another inode, so that the lowest free one
# (what the kernel hands out) is the deleted namespace's once the kernel's
# cleanup (asynchronous) has freed it; a few tries, 20 s at the most.
for ((i = 0; i < 200; i++)); do
	topo_ns_add "$(topo_ns_name h$i)" || break
	[ "$(stat -L -c %i "/run/netns/$(topo_ns_name h$i)")" != "$GONE_INODE" ] || break
	sleep 0.1
done
REUSED_NS=$(topo_ns_name h$i)
topo_veth "$REUSED_NS" "$GONE_IF" "$REUSED_NS" "$GONE_PEER"
check "identity: a new namespace got a deleted one's inode, and its interface that directory" \
	test "$(topo_pin_dir "$REUSED_NS" "$GONE_IF")" = "$GONE_DIR" -a -d "$GONE_DIR"
run reused-status vfw_in "$REUSED_NS" status $GONE_IF
check "identity: status there says the state was left by a deleted namespace, in one line" \
	refused reused-status status "deleted network namespace"
run reused-apply vfw_in "$REUSED_NS" apply $GONE_IF "$RULES"
check "identity: apply there is refused in one line, and not applied to the old state" \
	refused reused-apply apply "deleted network namespace"
run reused-all vfw_in "$REUSED_NS" status
check "identity: plain status there lists it as left by a deleted namespace" \
	grep -q "^  xdp: left by a deleted network namespace" "$TMP/reused-all.out"
run reused-json vfw_in "$REUSED_NS" status --json
# orphaned_in_json FILE DIR: status --json in FILE marks DIR orphaned, and
# reads no rule set from it.
orphaned_in_json() {
	/usr/bin/python3 -c 'import json, sys
e = [s for s in json.load(open(sys.argv[1]))["interfaces"] if s["pin_dir"] == sys.argv[2]]
sys.exit(not (e and e[0]["orphaned"] and "rule_set" not in e[0]))' "$1" "$2"
}
check "identity: ... and status --json marks it orphaned" \
	orphaned_in_json "$TMP/reused-json.out" "$GONE_DIR"
run reused-attach vfw_in "$REUSED_NS" attach $GONE_IF "$RULES"
check "identity: attach there clears the deleted namespace's pins and attaches afresh" \
	bash -c "[ $(rc_of reused-attach) -eq 0 ] &&
		 grep -q 'left by a deleted network namespace' $TMP/reused-attach.out $TMP/reused-attach.err"
reused_fresh() {
	vfw_in "$REUSED_NS" status "$GONE_IF" | grep -q '^  xdp: attached' &&
	[ "$(generation_in "$REUSED_NS" "$GONE_IF")" = 1 ]
}
check "identity: ... its rule set is generation 1, its own" reused_fresh
run reused-detach vfw_in "$REUSED_NS" detach $GONE_IF
check "identity: detach there removes it" \
	bash -c "[ $(rc_of reused-detach) -eq 0 ] && [ ! -e $GONE_DIR ]"

# --- state that would vanish ------------------------------------------------
G2=$(generation $IFACE)
run netns-exec ip netns exec $NS "$VAULTFW" attach $IFACE "$RULES" --replace
check "identity: under ip netns exec, vaultfw refuses in one line, saying to use nsenter" \
	refused netns-exec attach "nsenter --net="
run unshare in_ns unshare -m sh -c "umount /sys/fs/bpf && exec $VAULTFW attach $IFACE $RULES --replace"
check "identity: unshare -m without bpffs: refused in one line" \
	refused unshare attach "private mount namespace"
check "identity: ... and the filter in force is unchanged" \
	test "$(generation $IFACE) $(xdp_prog_of $NS $IFACE)" = "$G2 $(xdp_prog_of $NS $IFACE)"

# --- privilege by capability ------------------------------------------------
run caps-short in_ns setpriv --bounding-set -all,+bpf,+net_admin "$VAULTFW" status $IFACE
check "identity: without CAP_SYS_ADMIN, one line names the missing capability" \
	refused caps-short status "missing CAP_SYS_ADMIN"
run caps-enough in_ns setpriv --bounding-set -all,+net_admin,+sys_admin \
	"$VAULTFW" apply $IFACE "$RULES"
check "identity: CAP_NET_ADMIN and CAP_SYS_ADMIN alone are enough to apply" \
	test "$(rc_of caps-enough)" -eq 0

run final-detach vfw detach $IFACE
detached() { [ "$(rc_of final-detach)" -eq 0 ] && [ ! -e "$PIN_DIR" ] && ! attached_here $NS $IFACE; }
check "identity: detach removes the filter and its pins" detached
t_exit
