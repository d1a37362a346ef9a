# gpio.sh - runs in the hwlab guest (busybox sh, Debian's 6.1 kernel), started
# by tests/hw/run.sh:   gpio.sh BUILD OBJDIR
#
# A gpio-sim chip (8 lines, label rk-sim: gpiochip0), then rkd on a programs
# dir holding
#   hw_gpio_edges.o     gpio/rk-sim/3/both (the chip by label): counts edges,
#                       checks timestamps increase, value and line match;
#   hw_gpio_rising.o    gpio/gpiochip0/4/rising (by name): rising edges only;
#   hw_gpio_bad_chip.o  a chip that does not exist   -> a precise error alone;
#   hw_gpio_bad_line.o  line 17 of an 8-line chip    -> a precise error alone;
# then edges driven from sysfs (gpio_sim_set) are compared with what the
# programs counted, a swap keeps the line, a third-party request of a line
# is reported as busy, and the chip is removed under the programs: an error
# event, and rkd keeps running.
# objects: hw_gpio_*
HW_TEST=gpio
. "${RKHW_LIB:-/rkhw/lib.sh}"
PULSES=20     # rising + falling pairs on line 3 and on line 4
mon_pid=''
on_cleanup() { [ -n "$mon_pid" ] && kill "$mon_pid" 2>/dev/null; }
edges() { rkctl map get hw_gpio_edges edges 0; }
edge_field() { edges | json_field "$1"; }

say "kernel $(uname -r)"
. /hwsetup.sh
setup_gpio_sim rk 8 rk-sim || fail "setup_gpio_sim"
say "gpio-sim: $GPIO_CHIP ($GPIO_DEV), label $(cat /sys/kernel/config/gpio-sim/rk/bank0/label 2>/dev/null)"
[ "$GPIO_CHIP" = gpiochip0 ] || fail "the programs expect gpiochip0, gpio-sim made $GPIO_CHIP"
# Lines start low (pull-down): every pulse below is one rising and one falling edge.
gpio_sim_set 3 0; gpio_sim_set 4 0

copy_objs $W/progs hw_gpio_edges hw_gpio_rising hw_gpio_bad_chip hw_gpio_bad_line
start_rkd $W/progs
ok "rkd started (pid $rkd_pid)"

# --- what attached, and the precise errors ----------------------------------------
expect list-edges '^hw_gpio_edges +running +v1 .*
    on_edge  gpio rk-sim/3/both  \((jit|interpreter)\)' rkctl list
expect list-rising '^hw_gpio_rising +running +v1 .*
    on_rising  gpio gpiochip0/4/rising' rkctl list
expect list-bad-chip '^hw_gpio_bad_chip +failed +.*hw_gpio_bad_chip.o: program on_nothing \(SEC "gpio/no-such-chip/1/rising"\): cannot attach: gpio no-such-chip/1/rising: no GPIO chip no-such-chip \(looked up as a name, /dev path, number and label; gpiodetect lists the chips\)' rkctl list
expect list-bad-line '^hw_gpio_bad_line +failed +.*: gpio gpiochip0/17/rising: gpiochip0 has 8 lines; line 17 does not exist' rkctl list
grep -q 'hw_gpio_bad_line: failed: .*line 17 does not exist' $W/rkd.log || fail "the bad line is not in rkd's log"
ok "bad line logged"

# --- edges driven from outside ------------------------------------------------------
rkctl tail --json >$W/tail.json 2>&1 &
tail_pid=$!
# The tail is subscribed once it sees an event: reloading the bad object makes one.
n=0
until grep -q '"object":"hw_gpio_bad_chip","what":"failed"' $W/tail.json 2>/dev/null; do
	n=$((n + 1)); [ $n -le 100 ] || fail "rkctl tail never subscribed: $(cat $W/tail.json)"
	rkctl load $W/progs/hw_gpio_bad_chip.o >/dev/null 2>&1
	sleep 0.1
done
ok "rkctl tail subscribed"
# The v1 uAPI names a both-edges event by the level its interrupt thread reads,
# so an edge is driven only once the previous one was seen (under TCG the
# thread can run after the next write); rising-only line 4 needs no pacing.
i=0
while [ $i -lt $PULSES ]; do
	i=$((i + 1))
	gpio_sim_set 3 1
	gpio_sim_set 4 1; gpio_sim_set 4 0
	wait_value rising-3 20 $i edge_field rising
	gpio_sim_set 3 0
	wait_value falling-3 20 $i edge_field falling
done
ok "line 3 (both): $PULSES rising and $PULSES falling edges, as driven"
s=$(edges)
say "edges: $s"
[ "$(echo "$s" | json_field not_increasing)" = 0 ] || fail "timestamps not increasing: $s"
ok "edge timestamps strictly increasing"
[ "$(echo "$s" | json_field bad_value)" = 0 ] || fail "values do not match the edges: $s"
ok "values: 1 after rising, 0 after falling"
[ "$(echo "$s" | json_field bad_line)" = 0 ] && [ "$(echo "$s" | json_field chip)" = 0 ] ||
	fail "chip/line wrong: $s"
ok "chip 0, line 3 in every event"
late=$(echo "$s" | json_field late_ns)
say "largest edge-to-program delay: $late ns (guest under TCG: reported, not asserted)"
wait_value rising-4 20 $PULSES rkctl map get hw_gpio_rising rising 0
[ "$(rkctl map get hw_gpio_rising rising 1)" = 0 ] || fail "falling edges reached a rising-only program"
ok "line 4 (rising): $PULSES rising edges, no falling"
REC='"type":"ringbuf",.*"object":"hw_gpio_edges","map":"gpio_edges"'
n=0
while [ "$(grep -cE "$REC" $W/tail.json)" -lt $((2 * PULSES)) ]; do
	n=$((n + 1)); [ $n -le 200 ] || fail "tail: $(grep -cE "$REC" $W/tail.json) edge records, expected $((2 * PULSES))"
	sleep 0.05
done
c=$(grep -cE "$REC.*\"record\":\\{\"timestamp_ns\":[0-9]+,\"edge\":1,\"value\":1\\}" $W/tail.json)
[ "$c" = $PULSES ] || fail "tail: $c rising records, expected $PULSES:
$(grep -E "$REC" $W/tail.json | head -n 3)"
ok "rkctl tail: $((2 * PULSES)) edge records, decoded"
expect stats '^hw_gpio_edges +on_edge +'$((2 * PULSES))' +[0-9]+ +0 ' rkctl stats

# --- a swap keeps the line (the new version shares the request) ---------------------
expect reload '^loaded hw_gpio_edges \(version 2' rkctl load $W/progs/hw_gpio_edges.o
before=$(edge_field rising) fell=$(edge_field falling)
gpio_sim_set 3 1
wait_value after-swap 20 $((before + 1)) edge_field rising
gpio_sim_set 3 0
wait_value after-swap-falling 20 $((fell + 1)) edge_field falling
ok "after the swap the line still delivers (rising $((before + 1)))"

# --- a line another process holds is busy ------------------------------------------
gpiomon --num-events=1000 gpiochip0 5 >/dev/null 2>&1 &
mon_pid=$!
n=0
until gpioinfo gpiochip0 2>/dev/null | grep -E 'line +5:' | grep -q '"gpiomon"'; do
	n=$((n + 1)); [ $n -le 200 ] || fail "gpiomon did not request line 5"
	sleep 0.05
done
sed 's|gpio/gpiochip0/4/rising|gpio/gpiochip0/5/rising|' $W/progs/hw_gpio_rising.o >$W/hw_gpio_busy.o
expect busy-rejected 'line 5 of gpiochip0 is busy: requested by consumer "gpiomon"' sh -c "'$RKCTL' load $W/hw_gpio_busy.o --socket $SOCK; true"
kill $mon_pid; wait $mon_pid 2>/dev/null; mon_pid=

# --- the chip removed under the programs -------------------------------------------
echo 0 >/sys/kernel/config/gpio-sim/rk/live || fail "cannot take the gpio-sim chip down"
wait_for removed-event 20 '"what":"hook_error".*gpio rk-sim/3/both: No such device \(the device was removed' $W/tail.json
ok "chip removed: a hook_error event for the edge program"
grep -q 'drain: on_edge: gpio rk-sim/3/both: No such device' $W/rkd.log || fail "removal not in rkd's log"
ok "chip removal logged"
kill -0 $rkd_pid || fail "rkd died after the chip was removed"
expect still-running '^hw_gpio_rising +running' rkctl list
kill $tail_pid 2>/dev/null; tail_pid=
stop_rkd
say "$passed checks passed"
