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
# objects: hw_uio_*
HW_TEST=uio
. "${RKHW_LIB:-/rkhw/lib.sh}"
FIRES=20
BURST=30
irqs() { rkctl map get hw_uio_irqs irqs 0; }
irq_field() { irqs | json_field "$1"; }

say "kernel $(uname -r)"
. /hwsetup.sh
setup_uio_sim || fail "setup_uio_sim"
setup_uio_edu || fail "setup_uio_edu"
say "uio_sim: $UIO_SIM, edu: $UIO_EDU"

copy_objs $W/progs hw_uio_irqs hw_uio_edu hw_uio_bad_device
start_rkd $W/progs
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
# --- rk_uio_read / rk_uio_write ([uio DEVICE] in rkd.conf); a device removed ---------
# hw_uio_regs.o on edu: its identification register, the liveness register (written,
# read back complemented), a read past the readable range, a write outside the writable
# one, and the interrupt acknowledged from the program (0x24 -> 0x64) before rkd
# re-enables INTx: one raise, one run.  Then uio_sim unbound under hw_uio_irqs.o.
cat >$W/hw.conf <<CONF
[uio uio_pci_generic]
map = 0
readable = 0x0-0x100
writable = 0x4-0x68
CONF
mkdir -p $W/progs2
for n in hw_uio_regs hw_uio_irqs; do
	cp "$OBJS/$n.o" $W/progs2/ || fail "copy $n.o"
done
"$RKD" --foreground --config $W/hw.conf --programs-dir $W/progs2 --socket $SOCK >$W/rkd.log 2>&1 &
rkd_pid=$!
wait_for rkd2-ready 20 'ready:' $W/rkd.log
ok "rkd started with [uio uio_pci_generic] (pid $rkd_pid)"
expect list-regs '^hw_uio_regs +running +v1 ' rkctl list
regs() { rkctl map get hw_uio_regs regs 0; }
reg() { regs | json_field "$1"; }
c0=$(cat "$UIO_EDU_SYSFS/event")
RAISES=3
i=0
while [ $i -lt $RAISES ]; do
	i=$((i + 1))
	devmem $((bar + 0x60)) 32 $((0x100 + i))     # raise (status bit 8 and up)
	wait_value "regs run $i" 20 $i reg runs
done
sleep 0.5   # a re-fire would show as more runs and more kernel interrupts
s=$(regs)
say "regs: $s"
[ "$(echo "$s" | json_field id_rc)" = 0 ] && [ "$(echo "$s" | json_field id)" = $((0x010000ed)) ] ||
	fail "rk_uio_read(0x00): not edu's identification 0x010000ed: $s"
ok "rk_uio_read(0x00) = 0x010000ed, edu's identification register"
[ "$(echo "$s" | json_field liveness_ok)" = $RAISES ] || fail "liveness register not complemented: $s"
ok "rk_uio_write(0x04, x) then rk_uio_read(0x04) = ~x, every run"
[ "$(echo "$s" | json_field range_rc)" = -34 ] && [ "$(echo "$s" | json_field range_zeroed)" = $RAISES ] ||
	fail "read at 0x100 (outside readable = 0x0-0x100): $s"
ok "rk_uio_read(0x100): -ERANGE, the destination zeroed"
[ "$(echo "$s" | json_field write_range_rc)" = -34 ] || fail "write at 0x80 (outside writable = 0x4-0x68): $s"
ok "rk_uio_write(0x80): -ERANGE"
[ "$(echo "$s" | json_field ack_rc)" = 0 ] || fail "acknowledging: $s"
[ "$(echo "$s" | json_field runs)" = $RAISES ] && [ "$(cat "$UIO_EDU_SYSFS/event")" = $((c0 + RAISES)) ] ||
	fail "acked by the program, $RAISES raises: $(echo "$s" | json_field runs) runs, $(($(cat "$UIO_EDU_SYSFS/event") - c0)) interrupts"
ok "edu acknowledged by the program (0x64): $RAISES raises, $RAISES interrupts, $RAISES runs"

rkctl tail --json >$W/tail2.json 2>&1 &
tail_pid=$!
n=0
until grep -q '"object":"hw_uio_irqs","what":"swapped"' $W/tail2.json 2>/dev/null; do
	n=$((n + 1)); [ $n -le 100 ] || { kill $tail_pid; fail "rkctl tail never subscribed: $(cat $W/tail2.json)"; }
	rkctl load $W/progs2/hw_uio_irqs.o >/dev/null 2>&1
	sleep 0.1
done
echo 1 >"$UIO_SIM_FIRE"
wait_value "sim irq before unbind" 20 1 sh -c "'$RKCTL' map get hw_uio_irqs irqs 0 --socket $SOCK | sed -n 's/.*\"runs\":\([0-9]*\).*/\1/p' | sed 's/^[1-9][0-9]*$/1/'"
dev=$(basename "$(readlink -f "$UIO_SIM_SYSFS/device")")
echo "$dev" >/sys/bus/platform/drivers/uio_pdrv_genirq/unbind || fail "cannot unbind $dev from uio_pdrv_genirq"
wait_for uio-removed 20 '"what":"hook_error".*uio uio_sim \(uio[0-9]+ uio_sim, irqcontrol\): No such device \(the device was removed' $W/tail2.json
kill $tail_pid 2>/dev/null
ok "uio_sim unbound ($dev): a hook_error event"
kill -0 $rkd_pid || fail "rkd died after uio_sim was unbound"
devmem $((bar + 0x60)) 32 $((0x100 + RAISES + 1))
wait_value "regs run after the unbind" 20 $((RAISES + 1)) reg runs
ok "rkd keeps running: edu still interrupts its program"
kill $rkd_pid
wait $rkd_pid
rc=$?
rkd_pid=
[ $rc -eq 0 ] || fail "rkd (with [uio] sections) exited $rc on SIGTERM"
ok "rkd stopped cleanly"
say "$passed checks passed"
