# estop.sh - runs in the hwlab guest (busybox sh, Debian's 6.1 kernel), started
# by tests/hw/run.sh:
#
#   estop.sh BUILD OBJDIR      (every guest test gets these two; see run.sh)
#
# The emergency stop on real drivers: a pca9685 PWM (pwm-pca9685 on i2c-stub)
# and gpio-sim lines (docs/estop.md).
#   1. bad actuator configs: rkd refuses to start, naming file:line:key;
#   2. rkd with two actuators (PWM channel 0: disable; GPIO line 3: safe
#      level 1) and the kernel watchdog (kmod/rk_estop.ko) heartbeated; a
#      timer program (hw_estop_trip.o) calls rk_emergency_stop(3): the pca9685
#      channel reads full-off in its registers, the line reads 1; `rkctl estop
#      status` shows the trip; a second call changes nothing (latched);
#      `rkctl estop reset` clears it;
#   3. the PWM hook (hw_pwm_watch.o, SEC("pwm/pwmchip0/0")) sees a duty change
#      made through sysfs, and not one made on another channel;
#   4. rkd killed with SIGKILL: the module trips (line 3 -> 1, channel 0 off);
#   5. rkd stopped: the e-stop input (gpio-sim line 5, rising) trips the
#      module; edge -> outputs written, as the module measures it (reported);
#   6. the module unloads cleanly;
#   7. rkd again (no watchdog), hw_estop_edge.o on SEC("gpio/rk-sim/6/rising")
#      calls rk_emergency_stop(3) on each of 30 rising edges driven from
#      gpio-sim: each edge trips once (status, one event), line 3 reads 1 and
#      pwm0 is off after each, then reset and re-arm; edge (kernel timestamp)
#      -> actuators written (status written_ns), as rkd measures it (reported).
# Timing is emulated (TCG): everything waits for a state, nothing asserts a bound.
# objects: hw_estop_* hw_pwm_*
HW_TEST=estop
W=/tmp/rkestop
. "${RKHW_LIB:-/rkhw/lib.sh}"
KMOD=$1/tests/hw/rk_estop.ko
CONF=$W/rkd.conf
MOD=/sys/kernel/rk_estop
on_fail() {
	echo "--- rkctl tail (last 5 lines)"
	tail -n 5 $W/tail.json 2>/dev/null
	echo "--- rk_estop state: $(cat $MOD/state 2>/dev/null)"
	dmesg | grep rk_estop | tail -n 10
}

wait_log() { until_true "$1" "$2" grep -qE -- "$3" "$4"; }

# The pca9685's channel 0: LED0_OFF_H bit 4 is "full off" (what disabling writes).
pwm0_full_off() { [ $(($(pca9685_reg 0x09) & 0x10)) -ne 0 ]; }
pwm0_running() { [ $(($(pca9685_reg 0x09) & 0x10)) -eq 0 ] && [ "$(cat $PWM_CHIP/pwm0/enable)" = 1 ]; }
line_is() { [ "$(gpio_sim_get "$1")" = "$2" ]; }

# bad_config NAME REGEX: rkd refuses $CONF (exit 2) with a message matching REGEX.
bad_config() {
	out=$("$RKD" --foreground --config $CONF --programs-dir $W/progs --socket $SOCK 2>&1)
	rc=$?
	[ $rc -eq 2 ] || fail "$1: rkd exited $rc (want 2): $out"
	echo "$out" | grep -qE -- "$2" || fail "$1: message does not match /$2/: $out"
	ok "$1: $(echo "$out" | head -n 1 | cut -c1-150)"
}

. /hwsetup.sh
say "kernel $(uname -r)"
mkdir -p $W/progs
setup_pwm_pca9685 || fail "setup_pwm_pca9685"
setup_gpio_sim rk 8 rk-sim || fail "setup_gpio_sim"
PWM=${PWM_CHIP##*/}
PWM_DEV=$(basename "$(readlink -f $PWM_CHIP/device)")
say "PWM $PWM (i2c device $PWM_DEV, $(cat $PWM_CHIP/npwm) channels), GPIO $GPIO_CHIP (label rk-sim)"

# The motor runs: 50 Hz, 1.5 ms.
echo 0 >$PWM_CHIP/export
echo 20000000 >$PWM_CHIP/pwm0/period && echo 1500000 >$PWM_CHIP/pwm0/duty_cycle &&
	echo 1 >$PWM_CHIP/pwm0/enable || fail "cannot start pwm0"
pwm0_running || fail "pwm0 does not run: LED0_OFF_H $(pca9685_reg 0x09)"
ok "pwm0 runs (LED0_OFF_H $(pca9685_reg 0x09), LED0_OFF_L $(pca9685_reg 0x08))"

actuators() {
	cat <<EOF
[actuator wheel_left]
type = pwm
chip = $PWM
channel = 0
safe = disable
bit = 0

[actuator brake]
type = gpio
chip = $GPIO_CHIP
line = 3
safe_level = 1
bit = 1
EOF
}

# --- 1. bad configurations: rkd refuses, naming file:line:key ---------------------
actuators | sed 's/^channel = 0$/channel = 99/' >$CONF
bad_config bad-channel "^rkd: $CONF:4: key 'channel': \\[actuator wheel_left\\]: $PWM has 17 channels \\(0\\.\\.16\\); channel 99 is out of range"
actuators | sed 's/^line = 3$/line = 8/' >$CONF
bad_config bad-line "^rkd: $CONF:11: key 'line': \\[actuator brake\\]: $GPIO_CHIP has 8 lines \\(0\\.\\.7\\); line 8 is out of range"
actuators | sed 's/^chip = pwmchip[0-9]*$/chip = pwmchip9/' >$CONF
bad_config bad-pwm-chip "^rkd: $CONF:3: key 'chip': \\[actuator wheel_left\\]: no PWM chip 'pwmchip9'"
actuators | sed "s/^chip = $GPIO_CHIP\$/chip = no-such-chip/" >$CONF
bad_config bad-gpio-chip "^rkd: $CONF:10: key 'chip': \\[actuator brake\\]: no GPIO chip 'no-such-chip'"
actuators | sed '/^chip = pwmchip/d' >$CONF
bad_config missing-chip "^rkd: $CONF:1: key 'chip': \\[actuator wheel_left\\] has no chip"
actuators | sed 's/^safe = disable$/safe = off/' >$CONF
bad_config bad-safe "^rkd: $CONF:5: key 'safe': wants disable"
{ actuators; echo "speed = 3"; } >$CONF
bad_config unknown-key "^rkd: $CONF:14: key 'speed': unknown key in \\[actuator brake\\]"
actuators | sed 's/^bit = 1$/bit = 0/' >$CONF
bad_config same-bit "^rkd: $CONF:13: key 'bit': \\[actuator brake\\] has bit 0, as \\[actuator wheel_left\\]"
{ echo "[estop]"; echo "heartbeat = /sys/kernel/rk_estop/heartbeat"; actuators; } >$CONF
bad_config no-watchdog "^rkd: $CONF:2: key 'heartbeat': /sys/kernel/rk_estop/heartbeat: No such file"
pwm0_running || fail "a refused start touched pwm0"
line_is 3 0 || fail "a refused start left line 3 at $(gpio_sim_get 3)"

# --- 2. the kernel watchdog, rkd, and a program that trips the e-stop -------------
insmod $KMOD timeout_ms=1000 gpios=rk-sim:3:1 pwms=i2c:$PWM_DEV:0 input=rk-sim:5:rising ||
	fail "insmod rk_estop"
grep -q 'idle' $MOD/state || fail "rk_estop state: $(cat $MOD/state)"
ok "rk_estop loaded: $(dmesg | grep 'rk_estop: ready' | tail -n 1 | sed 's/^\[[^]]*\] //')"

{
	echo "[estop]"
	echo "heartbeat = $MOD/heartbeat"
	echo "heartbeat_ms = 100"
	echo
	actuators
} >$CONF
copy_objs $W/progs hw_estop_trip
start_rkd $W/progs --config $CONF
ok "rkd started with 2 actuators (pid $rkd_pid)"
line_is 3 0 || fail "line 3 is not at its run level (0) while rkd runs: $(gpio_sim_get 3)"
ok "line 3 held at its run level 0 by rkd"
until_true watchdog-armed 10 grep -q '^armed' $MOD/state
ok "the watchdog is armed by rkd's heartbeat: $(cat $MOD/state)"
expect status-armed '^estop: armed \(not tripped\), 2 actuators' rkctl estop status
expect status-actuators "wheel_left +bit 0 +pwm +$PWM channel 0 +safe: disable +running" rkctl estop status

rkctl tail --json >$W/tail.json 2>&1 &
tail_pid=$!
until_true tail-subscribed 10 sh -c "\"$RKCTL\" stats --json --socket $SOCK | grep -q '\"subscribers\":1'"
expect arm '"mask":3' rkctl map set hw_estop_trip arm 0 '{"mask": 3}'
until_true program-called 10 sh -c "\"$RKCTL\" map get hw_estop_trip result 0 --socket $SOCK | grep -q '\"calls\":1'"
res=$(rkctl map get hw_estop_trip result 0)
[ "$(echo "$res" | json_field rc)" = 0 ] || fail "rk_emergency_stop returned: $res"
ok "rk_emergency_stop(3) returned 0"
# Synchronous: by the time the program's map says so, the actuators are written.
line_is 3 1 || fail "after the trip, line 3 reads $(gpio_sim_get 3), not its safe level 1"
ok "line 3 reads its safe level 1"
pwm0_full_off || fail "after the trip, LED0_OFF_H is $(pca9685_reg 0x09): not full off"
[ "$(cat $PWM_CHIP/pwm0/enable)" = 0 ] || fail "pwm0/enable: $(cat $PWM_CHIP/pwm0/enable)"
ok "pca9685 channel 0 disabled: LED0_OFF_H $(pca9685_reg 0x09) (full off), enable 0"
expect status-tripped "^estop: TRIPPED at [0-9T:-]+Z \\([0-9.]+ s ago\\) by hw_estop_trip/trip_when_armed, mask 0x3" rkctl estop status
expect status-stopped "brake +bit 1 +gpio +$GPIO_CHIP line 3 +safe: level 1 +STOPPED" rkctl estop status
wait_log trip-event 10 '"what":"emergency_stop".*trip_when_armed: emergency stop tripped: mask 0x3' $W/tail.json
ok "the event stream has the trip"
say "$(rkctl estop status | head -n 1)"

# Latched: a second call acts on nothing and the status keeps the first trip.
first=$(rkctl estop status --json | json_field time_ns)
expect arm-again '"mask":3' rkctl map set hw_estop_trip arm 0 '{"mask": 3}'
until_true program-called-again 10 sh -c "\"$RKCTL\" map get hw_estop_trip result 0 --socket $SOCK | grep -q '\"calls\":2'"
[ "$(rkctl estop status --json | json_field time_ns)" = "$first" ] || fail "a second call changed the trip time"
[ "$(rkctl map get hw_estop_trip result 0 | json_field rc)" = 0 ] || fail "second call: $(rkctl map get hw_estop_trip result 0)"
[ "$(grep -c '"what":"emergency_stop"' $W/tail.json)" = 1 ] || fail "a latched call emitted another event"
ok "latched: a second call is a no-op (same trip, one event)"

expect reset '^estop reset: the latch is cleared' rkctl estop reset
expect status-after-reset '^estop: armed \(not tripped\), 2 actuators, 1 trip since' rkctl estop status
line_is 3 0 || fail "after reset, line 3 reads $(gpio_sim_get 3), not its run level 0"
ok "after reset, line 3 is back at its run level 0"
echo 1 >$PWM_CHIP/pwm0/enable
pwm0_running || fail "pwm0 does not run again"
ok "pwm0 runs again (the controller's job, not reset's)"

# --- 3. the PWM hook --------------------------------------------------------------
if [ -f "$OBJS/hw_pwm_watch.o" ]; then
	cp "$OBJS/hw_pwm_watch.o" $W/progs/
	until_true pwm-hook-loaded 20 sh -c "\"$RKCTL\" list --socket $SOCK | grep -q '^hw_pwm_watch  *running'"
	expect pwm-hook-list "on_pwm  pwm $PWM/0" rkctl list
	echo 1 >$PWM_CHIP/export
	echo 20000000 >$PWM_CHIP/pwm1/period && echo 700000 >$PWM_CHIP/pwm1/duty_cycle
	# The hook tells channel 0's records from channel 1's by the pwm_device the
	# first matching record names (docs/estop.md): a record may pass before it
	# knows it, so a change it missed is made again, with another duty.
	duty=
	for try in 1234000 1235000 1236000 1237000 1238000; do
		echo $try >$PWM_CHIP/pwm0/duty_cycle || fail "duty change"
		if until_quiet 3 sh -c "\"$RKCTL\" map get hw_pwm_watch watch 0 --socket $SOCK | grep -q '\"duty_ns\":$try'"; then
			duty=$try
			break
		fi
		say "the PWM hook missed duty $try; changing it again"
	done
	[ -n "$duty" ] || fail "pwm-hook-ran: the hook saw none of 5 duty changes"
	w=$(rkctl map get hw_pwm_watch watch 0)
	echo "$w" | grep -qE "\"last\":\{\"timestamp_ns\":[1-9][0-9]*,\"chip\":${PWM#pwmchip},\"channel\":0,\"period_ns\":20000000,\"duty_ns\":$duty,\"polarity\":0,\"enabled\":1\}" ||
		fail "pwm event: $w"
	ok "the PWM hook saw duty $duty on $PWM/0: $w"
	echo 1500000 >$PWM_CHIP/pwm0/duty_cycle
	until_true pwm-hook-ran-2 10 sh -c "\"$RKCTL\" map get hw_pwm_watch watch 0 --socket $SOCK | grep -q '\"duty_ns\":1500000'"
	w=$(rkctl map get hw_pwm_watch watch 0)
	[ "$(echo "$w" | json_field others)" = 0 ] || fail "the hook passed events of another channel: $w"
	count=$(echo "$w" | json_field count)
	# Only channel 0's changes (at most one per duty written): channel 1's were filtered out.
	[ "$count" -ge 2 ] && [ "$count" -le 6 ] ||
		fail "count $count, want 2..6 (channel 1's changes must not count): $w"
	ok "the PWM hook saw $count changes of channel 0, none of channel 1"
fi

# --- 4. rkd killed: the kernel watchdog trips -------------------------------------
kill $tail_pid 2>/dev/null
tail_pid=
kill -9 $rkd_pid
wait $rkd_pid 2>/dev/null
rkd_pid=
t0=$(date +%s)
until_true watchdog-trip 20 grep -q '^tripped reason=watchdog' $MOD/state
until_true watchdog-line 10 line_is 3 1
until_true watchdog-pwm 10 pwm0_full_off
[ "$(cat $PWM_CHIP/pwm0/enable)" = 0 ] || fail "pwm0/enable after the watchdog: $(cat $PWM_CHIP/pwm0/enable)"
ok "rkd SIGKILLed: the watchdog tripped within ~$(($(date +%s) - t0)) s: line 3 = 1, pwm0 full off ($(cat $MOD/state))"

# --- 5. the in-kernel e-stop input, with no rkd --------------------------------------
echo 1 >$MOD/reset
grep -q '^idle' $MOD/state || fail "after reset: $(cat $MOD/state)"
lat=''
i=0
while [ $i -lt 20 ]; do
	i=$((i + 1))
	gpioset "$GPIO_CHIP" 3=0 || fail "gpioset $GPIO_CHIP 3=0"
	line_is 3 0 || fail "line 3 does not go back to 0: $(gpio_sim_get 3)"
	# The module's trip sets duty 0 as well as disabling: the controller restarts both.
	echo 1500000 >$PWM_CHIP/pwm0/duty_cycle && echo 1 >$PWM_CHIP/pwm0/enable
	pwm0_running || fail "pwm0 does not run again: LED0_OFF_H $(pca9685_reg 0x09)"
	gpio_sim_set 5 0
	gpio_sim_set 5 1
	until_true input-trip 10 grep -q '^tripped reason=input' $MOD/state
	line_is 3 1 || fail "input trip: line 3 reads $(gpio_sim_get 3)"
	pwm0_full_off || fail "input trip: LED0_OFF_H $(pca9685_reg 0x09)"
	lat="$lat $(sed -n 's/.*latency_ns=\([0-9]*\).*/\1/p' $MOD/state)"
	echo 1 >$MOD/reset
done
ok "the e-stop input (line 5, rising) tripped 20 times with rkd stopped: line 3 = 1, pwm0 full off"
sorted=$(for l in $lat; do echo "$l"; done | sort -n)
pick() { echo "$sorted" | sed -n "${1}p"; }
say "measured: GPIO edge (hard IRQ) -> actuators written (gpio-sim line + pca9685 over i2c-stub), 20 trips, TCG: min $(pick 1) ns, median $(pick 10) ns, p90 $(pick 18) ns, max $(pick 20) ns"

# --- 6. clean unload ---------------------------------------------------------------------
rmmod rk_estop || fail "rmmod rk_estop"
[ ! -e $MOD ] || fail "$MOD still there after rmmod"
grep -q "rk_estop" /proc/modules && fail "rk_estop still in /proc/modules"
dmesg | grep -q 'rk_estop: unloaded' || fail "no unload message"
ok "rk_estop unloaded cleanly: $(dmesg | grep 'rk_estop: unloaded' | tail -n 1 | sed 's/^\[[^]]*\] //')"
gpioset "$GPIO_CHIP" 5=0 2>/dev/null && ok "the input line is free again"

# --- 7. rkd's path: a GPIO edge -> a program -> rk_emergency_stop -> actuators written ----
EDGES=30
kill $tail_pid 2>/dev/null
tail_pid=
actuators >$CONF
gpio_sim_set 6 0
copy_objs $W/progs-edge hw_estop_edge
start_rkd $W/progs-edge --config $CONF
ok "rkd started again, no watchdog (pid $rkd_pid)"
expect edge-list '^hw_estop_edge +running .*
    stop_on_edge  gpio rk-sim/6/rising' rkctl list
line_is 3 0 || fail "line 3 is not at its run level (0) under rkd: $(gpio_sim_get 3)"
rkctl tail --json >$W/tail-edge.json 2>&1 &
tail_pid=$!
until_true edge-tail-subscribed 10 sh -c "\"$RKCTL\" stats --json --socket $SOCK | grep -q '\"subscribers\":1'"
edge_field() { rkctl map get hw_estop_edge edge 0 | json_field "$1"; }
lat='' act='' written_all=''
i=0
while [ $i -lt $EDGES ]; do
	i=$((i + 1))
	# Re-arm: the module's trips left duty 0; rkd's (safe = disable) only enable 0.
	echo 1500000 >$PWM_CHIP/pwm0/duty_cycle && echo 1 >$PWM_CHIP/pwm0/enable
	pwm0_running || fail "edge $i: pwm0 does not run: LED0_OFF_H $(pca9685_reg 0x09)"
	gpio_sim_set 6 1
	wait_value edge-$i 20 $i edge_field count
	# Synchronous: the program's count moves after the helper returned.
	st=$(rkctl estop status --json)
	echo "$st" | grep -q '"tripped":true' || fail "edge $i: not tripped: $st"
	[ "$(echo "$st" | json_field trips)" = $i ] || fail "edge $i: trips is not $i: $st"
	[ "$(echo "$st" | json_field mask)" = 3 ] || fail "edge $i: mask: $st"
	[ "$(edge_field rc)" = 0 ] || fail "edge $i: rk_emergency_stop returned $(edge_field rc)"
	line_is 3 1 || fail "edge $i: line 3 reads $(gpio_sim_get 3), not its safe level 1"
	pwm0_full_off || fail "edge $i: LED0_OFF_H $(pca9685_reg 0x09): not full off"
	[ "$(cat $PWM_CHIP/pwm0/enable)" = 0 ] || fail "edge $i: pwm0/enable $(cat $PWM_CHIP/pwm0/enable)"
	edge_ns=$(edge_field edge_ns)
	written=$(echo "$st" | json_field written_ns)
	[ -n "$edge_ns" ] && [ -n "$written" ] && [ "$written" -gt "$edge_ns" ] ||
		fail "edge $i: written_ns '$written' is not after the edge's timestamp '$edge_ns'"
	lat="$lat $((written - edge_ns))"
	act="$act $(echo "$st" | json_field act_ns)"
	written_all="$written_all $written"
	rkctl estop reset >/dev/null || fail "edge $i: estop reset"
	line_is 3 0 || fail "edge $i: after reset, line 3 reads $(gpio_sim_get 3)"
	gpio_sim_set 6 0
done
[ "$(edge_field count)" = $EDGES ] && [ "$(edge_field other)" = 0 ] ||
	fail "after $EDGES edges: $(rkctl map get hw_estop_edge edge 0)"
ok "$EDGES rising edges on line 6: each tripped the stop once (trips 1..$EDGES), line 3 = 1 and pwm0 full off after each, reset between"
tripped='"what":"emergency_stop".*stop_on_edge: emergency stop tripped: mask 0x3, actuators stopped 0x3 in [0-9]+ ns, written_ns '
until_true edge-events 10 sh -c "[ \$(grep -cE '$tripped' $W/tail-edge.json) -ge $EDGES ]"
[ "$(grep -cE "$tripped" $W/tail-edge.json)" = $EDGES ] || fail "not $EDGES trip events: $(grep -cE "$tripped" $W/tail-edge.json)"
for w in $written_all; do
	[ "$(grep -cE "${tripped}$w\"" $W/tail-edge.json)" = 1 ] || fail "no single trip event with written_ns $w"
done
ok "$EDGES trip events, one per edge, each with the status's written_ns"
sorted=$(for l in $lat; do echo "$l"; done | sort -n)
say "measured: GPIO edge (kernel timestamp) -> rkd's GPIO hook -> rk_emergency_stop -> actuators written (pca9685 enable via sysfs + gpio-sim line via ioctl), $EDGES trips, TCG: min $(pick 1) ns, median $(pick 15) ns, p90 $(pick 27) ns, max $(pick 30) ns"
sorted=$(for l in $act; do echo "$l"; done | sort -n)
say "  of which the writes themselves (act_ns, helper entry -> last write): min $(pick 1) ns, median $(pick 15) ns, p90 $(pick 27) ns, max $(pick 30) ns"
stop_rkd
say "$passed checks passed"
