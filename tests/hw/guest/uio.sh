# uio.sh - runs in the hwlab guest (busybox sh, Debian's 6.1 kernel), started
# by tests/hw/run.sh:   uio.sh BUILD OBJDIR
#
# Two UIO devices: uio_pdrv_genirq with the helper module uio_sim_dev (an
# interrupt fired from sysfs; re-enabled through irqcontrol) and QEMU's edu
# PCI device on uio_pci_generic (INTx, re-enabled through the PCI command
# register).  rkd on a programs dir holding
#   hw_uio_irqs.o        uio/uio_sim: counts runs, merged interrupts, the count;
#   hw_uio_edu.o         uio/uio_pci_generic: counts runs;
#   hw_uio_bad_device.o  uio/uio9 -> a precise error alone.
# Interrupts fired one at a time are counted exactly; a burst's interrupts,
# as the kernel counted them, are accounted for exactly as runs + missed; an edu interrupt arrives and, once acked, no
# more do.
RKD=$1/rkd RKCTL=$1/rkctl OBJS=$2
W=/tmp/rkhw
SOCK=$W/rkd.sock
FIRES=20
BURST=30
passed=0
rkd_pid=''

say() { echo "uio.sh: $*"; }
cleanup() { [ -n "$rkd_pid" ] && kill "$rkd_pid" 2>/dev/null; }
fail() {
	echo "FAIL: $*"
	echo "--- rkd log (last 30 lines)"
	tail -n 30 $W/rkd.log 2>/dev/null
	echo "--- rkctl list"
	"$RKCTL" list --socket $SOCK 2>&1
	cleanup
	exit 1
}
ok() { passed=$((passed + 1)); say "ok $passed - $*"; }
rkctl() { "$RKCTL" "$@" --socket $SOCK; }
expect() {
	name=$1 pattern=$2
	shift 2
	out=$("$@" 2>&1) || fail "$name: exit $?: $out"
	echo "$out" | grep -qE -- "$pattern" || fail "$name: output does not match /$pattern/:
$out"
	ok "$name"
}
wait_for() {
	n=0
	while ! grep -qE -- "$3" "$4" 2>/dev/null; do
		n=$((n + 1))
		[ $n -le $(($2 * 20)) ] || fail "$1: after $2 s, no line of $4 matches /$3/:
$(tail -n 20 "$4" 2>/dev/null)"
		sleep 0.05
	done
}
json_field() { sed -n "s/.*\"$1\":\(-\{0,1\}[0-9][0-9]*\).*/\1/p"; }
irqs() { rkctl map get hw_uio_irqs irqs 0; }
irq_field() { irqs | json_field "$1"; }
wait_value() {
	name=$1 secs=$2 want=$3
	shift 3
	n=0
	while [ "$("$@" 2>&1)" != "$want" ]; do
		n=$((n + 1))
		[ $n -le $((secs * 20)) ] || fail "$name: after $secs s, $("$@" 2>&1), expected $want"
		sleep 0.05
	done
}

say "kernel $(uname -r)"
. /hwsetup.sh
setup_uio_sim || fail "setup_uio_sim"
setup_uio_edu || fail "setup_uio_edu"
say "uio_sim: $UIO_SIM, edu: $UIO_EDU"

mkdir -p $W/progs
for n in hw_uio_irqs hw_uio_edu hw_uio_bad_device; do
	cp "$OBJS/$n.o" $W/progs/ || fail "copy $n.o"
done
"$RKD" --foreground --programs-dir $W/progs --socket $SOCK >$W/rkd.log 2>&1 &
rkd_pid=$!
wait_for rkd-ready 20 'ready:' $W/rkd.log
ok "rkd started (pid $rkd_pid)"

expect list-sim '^hw_uio_irqs +running +v1 .*
    on_irq  uio uio_sim \(uio[0-9]+ uio_sim, irqcontrol\)  \((jit|interpreter)\)' rkctl list
expect list-edu '^hw_uio_edu +running +v1 .*
    on_edu_irq  uio uio_pci_generic \(uio[0-9]+ uio_pci_generic, pci-intx\)' rkctl list
expect list-bad-device '^hw_uio_bad_device +failed +.*hw_uio_bad_device.o: program on_nothing \(SEC "uio/uio9"\): cannot attach: uio uio9: no UIO device uio9 \(by uioN or the name in /sys/class/uio/uioN/name\); this machine has: uio[0-9] \(uio' rkctl list

# --- uio_pdrv_genirq: one at a time, exactly --------------------------------------
base=$(cat "$UIO_SIM_SYSFS/event")
i=0
while [ $i -lt $FIRES ]; do
	i=$((i + 1))
	echo 1 >"$UIO_SIM_FIRE"
	wait_value "irq $i" 20 $i irq_field runs
done
s=$(irqs)
say "irqs: $s"
[ "$(echo "$s" | json_field missed)" = 0 ] || fail "interrupts merged although paced: $s"
[ "$(echo "$s" | json_field irq_count)" = $((base + FIRES)) ] || fail "irq_count != $((base + FIRES)): $s"
[ "$(echo "$s" | json_field not_increasing)" = 0 ] || fail "timestamps not increasing: $s"
ok "$FIRES interrupts fired one at a time: $FIRES runs, irq_count $((base + FIRES)), none merged"

# --- a burst: what the kernel counted is accounted for, runs + merged -----------------
# uio_pdrv_genirq disables the IRQ in its handler until rkd re-enables it:
# interrupts fired meanwhile never reach the kernel's count (fewer than fired).
i=0
while [ $i -lt $BURST ]; do echo 1 >"$UIO_SIM_FIRE"; i=$((i + 1)); done
n=0 prev=-1
while :; do
	kernel=$(cat "$UIO_SIM_SYSFS/event")
	[ "$(irq_field irq_count)" = "$kernel" ] && [ "$kernel" = "$prev" ] && break
	prev=$kernel
	n=$((n + 1)); [ $n -le 100 ] || fail "burst: the program saw $(irq_field irq_count), the kernel counted $kernel"
	sleep 0.2
done
s=$(irqs)
runs=$(echo "$s" | json_field runs) missed=$(echo "$s" | json_field missed)
[ $((runs + missed)) = $((kernel - base)) ] || fail "burst: runs $runs + missed $missed != $((kernel - base)) counted by the kernel: $s"
[ $((kernel - base)) -le $((FIRES + BURST)) ] && [ $((kernel - base)) -gt $FIRES ] || fail "burst: kernel count $kernel"
ok "burst of $BURST: the kernel counted $((kernel - base - FIRES)), the program $((runs - FIRES)) runs + $missed merged"
expect stats-sim '^hw_uio_irqs +on_irq +[1-9][0-9]* +[0-9]+ +0 ' rkctl stats

# --- edu on uio_pci_generic: INTx re-enabled after each interrupt ------------------------
bar=$(cat "$UIO_EDU_SYSFS/maps/map0/addr")
[ "$(devmem "$bar" 32)" = 0x010000ED ] || fail "edu identification: $(devmem "$bar" 32)"
devmem $((bar + 0x60)) 32 1          # raise
wait_value edu-irq 20 1 sh -c "'$RKCTL' map get hw_uio_edu edu 0 --socket $SOCK | sed 's/^[1-9][0-9]*$/1/'"
devmem $((bar + 0x64)) 32 1          # ack: the line goes low
n1=$(rkctl map get hw_uio_edu edu 0)
c1=$(cat "$UIO_EDU_SYSFS/event")
say "edu: $n1 run(s) for one raise before its ack (level-triggered; rkd re-enabled INTx)"
devmem $((bar + 0x60)) 32 1
wait_value edu-irq-2 20 1 sh -c "[ \$(cat $UIO_EDU_SYSFS/event) -gt $c1 ] && [ \$('$RKCTL' map get hw_uio_edu edu 0 --socket $SOCK) -gt $n1 ] && echo 1"
devmem $((bar + 0x64)) 32 1
ok "edu: a second interrupt after the first was acked (INTx re-enabled through the command register)"

kill $rkd_pid
wait $rkd_pid
rc=$?
rkd_pid=
[ $rc -eq 0 ] || fail "rkd exited $rc on SIGTERM"
ok "rkd stopped cleanly"
say "$passed checks passed"
