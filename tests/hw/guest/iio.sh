# iio.sh - runs in the hwlab guest (busybox sh, Debian's 6.1 kernel), started
# by tests/hw/run.sh:   iio.sh BUILD OBJDIR
#
# iio_dummy (device "rkimu") on an hrtimer trigger at 100 Hz, then rkd on a
# programs dir holding
#   hw_iio_filter.o      iio/rkimu: decodes every scan, forwards those whose
#                        voltage0 is above a threshold (a map the test sets);
#   hw_iio_bad_device.o  iio/no-such-sensor -> a precise error alone;
# and the checks: scans flow, decoded values match iio_dummy's fixed data and
# the ranges of their scan_element types, timestamps increase and are the
# ones rk_sensor_last_timestamp answers, forwarded scans appear decoded in
# `rkctl tail --json`, and a threshold above voltage0 stops the forwarding
# while scans keep flowing.
# objects: hw_iio_*
HW_TEST=iio
. "${RKHW_LIB:-/rkhw/lib.sh}"
stats() { rkctl map get hw_iio_filter scans 0; }
stat() { stats | json_field "$1"; }
# wait_at_least NAME SECONDS FIELD MIN
wait_at_least() {
	n=0
	while v=$(stat "$3"); [ -z "$v" ] || [ "$v" -lt "$4" ]; do
		n=$((n + 1))
		[ $n -le $(($2 * 20)) ] || fail "$1: after $2 s, $3 = $v, expected >= $4: $(stats)"
		sleep 0.05
	done
}

say "kernel $(uname -r)"
. /hwsetup.sh
setup_iio_dummy rkimu rktrig 100 || fail "setup_iio_dummy"
say "iio_dummy: $IIO_DEV ($IIO_DEV_NAME), trigger $IIO_TRIG_NAME"
for t in "$IIO_DEV"/scan_elements/*_type; do say "  $(basename "$t"): $(cat "$t")"; done

copy_objs $W/progs hw_iio_filter hw_iio_bad_device
start_rkd $W/progs
ok "rkd started (pid $rkd_pid)"

expect list-filter '^hw_iio_filter +running +v1 .*
    filter  iio rkimu  \((jit|interpreter)\)' rkctl list
expect list-bad-device '^hw_iio_bad_device +failed +.*hw_iio_bad_device.o: program on_nothing \(SEC "iio/no-such-sensor"\): cannot attach: iio no-such-sensor: no IIO device no-such-sensor \(by id iio:deviceN, name or label\); this machine has: iio:device[0-9]+ \(rkimu\)' rkctl list
[ "$(cat "$IIO_DEV/buffer/enable")" = 1 ] || fail "rkd did not enable $IIO_DEV's buffer"
ok "the buffer is enabled"

rkctl tail --json >$W/tail.json 2>&1 &
tail_pid=$!
n=0
until grep -q '"object":"hw_iio_bad_device","what":"failed"' $W/tail.json 2>/dev/null; do
	n=$((n + 1)); [ $n -le 100 ] || fail "rkctl tail never subscribed: $(cat $W/tail.json)"
	rkctl load $W/progs/hw_iio_bad_device.o >/dev/null 2>&1
	sleep 0.1
done
ok "rkctl tail subscribed"

# --- scans flow and decode ------------------------------------------------------------
wait_at_least scans 30 scans 50
s=$(stats)
say "scans: $s"
[ "$(echo "$s" | json_field channel_count)" = 4 ] || fail "channel_count: $s"
ok "4 channels per scan (the timestamp apart)"
[ "$(echo "$s" | json_field out_of_range)" = 0 ] || fail "values outside their scan_element ranges: $s"
ok "every value within its type (u13, s12, s11, s16)"
# iio_dummy's buffer pushes fixed data: 7, -33, -2, 344.
[ "$(echo "$s" | json_field v0)" = 7 ] && [ "$(echo "$s" | json_field v1)" = -33 ] &&
	[ "$(echo "$s" | json_field v2)" = -2 ] && [ "$(echo "$s" | json_field v3)" = 344 ] ||
	fail "decoded values are not iio_dummy's 7, -33, -2, 344: $s"
ok "decoded 7, -33 (signed), -2 (signed), 344"
[ "$(echo "$s" | json_field not_increasing)" = 0 ] || fail "timestamps not increasing: $s"
ok "scan timestamps strictly increasing"
[ "$(echo "$s" | json_field bad_sensor_ts)" = 0 ] || fail "rk_sensor_last_timestamp disagrees: $s"
ok "rk_sensor_last_timestamp answers the latest scan's time"
ts=$(echo "$s" | json_field last_ts)
up=$(cut -d' ' -f1 /proc/uptime | cut -d. -f1)
[ $((ts / 1000000000)) -le $((up + 1)) ] || fail "timestamp $ts is not CLOCK_MONOTONIC (uptime $up s)"
ok "timestamps on CLOCK_MONOTONIC"

# --- forwarded scans in the event stream ---------------------------------------------
REC='"type":"ringbuf",.*"object":"hw_iio_filter","map":"iio/rkimu"'
wait_for forwarded 20 "$REC.*\"record\":\\{\"timestamp_ns\":[0-9]+,\"channel_count\":4,\"device\":[0-9]+,\"values\":\\[7,-33,-2,344,0" $W/tail.json
ok "forwarded scans decoded in rkctl tail: $(grep -E "$REC" $W/tail.json | head -n 1 | cut -c1-200)"

# --- the filter drops what is below the threshold ------------------------------------
expect set-threshold '^100$' rkctl map set hw_iio_filter threshold 0 100
sleep 0.2   # a scan in flight may still pass; counted from here on
fwd=$(stat forwarded) sc=$(stat scans)
wait_at_least more-scans 30 scans $((sc + 20))
[ "$(stat forwarded)" = "$fwd" ] || fail "scans still forwarded above the threshold: $(stats)"
ok "threshold 100 > voltage0: $(($(stat scans) - sc)) more scans, none forwarded"
c1=$(grep -cE "$REC" $W/tail.json)
expect clear-threshold '^0$' rkctl map set hw_iio_filter threshold 0 0
wait_at_least forwarding-again 30 forwarded $((fwd + 5))
ok "threshold 0: forwarded again"
expect stats '^hw_iio_filter +filter +[1-9][0-9]* +[0-9]+ +0 ' rkctl stats
say "forwarded records seen by tail before the threshold: $c1"

kill $tail_pid 2>/dev/null; tail_pid=
kill $rkd_pid
wait $rkd_pid
rc=$?
rkd_pid=
[ $rc -eq 0 ] || fail "rkd exited $rc on SIGTERM"
ok "rkd stopped cleanly"
[ "$(cat "$IIO_DEV/buffer/enable")" = 0 ] || fail "the buffer is still enabled after rkd stopped"
ok "the buffer is disabled again"
# --- rkd.conf [iio DEVICE]: channels and trigger; an unknown channel; a device removed --
# A second trigger that only rkd.conf names (the device's own is cleared first), two more
# iio_dummy instances: one whose [iio] names a channel it lacks, one removed under its program.
mkdir /sys/kernel/config/iio/triggers/hrtimer/rktrig2 || fail "cannot create trigger rktrig2"
T2=
for t in /sys/bus/iio/devices/trigger*; do [ "$(cat "$t/name")" = rktrig2 ] && T2=$t; done
[ -n "$T2" ] || fail "no trigger named rktrig2"
echo 100 >"$T2/sampling_frequency" || fail "rktrig2 sampling_frequency"
echo "" >"$IIO_DEV/trigger/current_trigger"
[ -z "$(cat "$IIO_DEV/trigger/current_trigger")" ] || fail "cannot clear $IIO_DEV's trigger"
mkdir /sys/kernel/config/iio/devices/dummy/rkimu_bad /sys/kernel/config/iio/devices/dummy/rkimu_gone ||
	fail "cannot create iio_dummy instances rkimu_bad, rkimu_gone"
cat >$W/hw.conf <<CONF
[iio rkimu]
trigger = rktrig2
channels = voltage0, accel_x

[iio rkimu_bad]
trigger = rktrig2
channels = voltage0,nosuch

[iio rkimu_gone]
trigger = $IIO_TRIG_NAME
CONF
mkdir -p $W/progs2
for n in hw_iio_select hw_iio_bad_channel hw_iio_gone; do
	cp "$OBJS/$n.o" $W/progs2/ || fail "copy $n.o"
done
"$RKD" --foreground --config $W/hw.conf --programs-dir $W/progs2 --socket $SOCK >$W/rkd.log 2>&1 &
rkd_pid=$!
wait_for rkd2-ready 20 'ready:' $W/rkd.log
ok "rkd started with [iio DEVICE] sections (pid $rkd_pid)"
expect list-bad-channel '^hw_iio_bad_channel +failed +.*hw_iio_bad_channel.o: program on_bad_channel \(SEC "iio/rkimu_bad"\): cannot attach: iio rkimu_bad: /tmp/rkhw/hw.conf:7: key .channels.: iio:device[0-9]+ has no scan element .nosuch.; its scan elements are: voltage0, voltage1-voltage2, voltage3-voltage4, accel_x, timestamp' rkctl list
[ "$(cat "$IIO_DEV/trigger/current_trigger")" = rktrig2 ] ||
	fail "trigger = rktrig2 not applied: $(cat "$IIO_DEV/trigger/current_trigger")"
ok "trigger = rktrig2 from rkd.conf is $IIO_DEV_NAME's current trigger"
sel() { rkctl map get hw_iio_select selected 0; }
n=0
while v=$(sel | json_field scans); [ -z "$v" ] || [ "$v" -lt 20 ]; do
	n=$((n + 1)); [ $n -le 600 ] || fail "selected scans: $(sel)"
	sleep 0.05
done
s=$(sel)
say "selected: $s"
[ "$(echo "$s" | json_field channel_count)" = 2 ] && [ "$(echo "$s" | json_field other_counts)" = 0 ] ||
	fail "channels = voltage0, accel_x: scans do not carry exactly 2 values: $s"
[ "$(echo "$s" | json_field v0)" = 7 ] && [ "$(echo "$s" | json_field v1)" = 344 ] &&
	[ "$(echo "$s" | json_field v2)" = 0 ] || fail "selected values are not voltage0 7, accel_x 344: $s"
ok "channels = voltage0, accel_x: every scan carries exactly those two (7, 344)"
[ "$(cat "$IIO_DEV/scan_elements/in_voltage1-voltage2_en")" = 0 ] &&
	[ "$(cat "$IIO_DEV/scan_elements/in_accel_x_en")" = 1 ] || fail "scan elements enabled: $(grep . "$IIO_DEV"/scan_elements/*_en)"
ok "only the named scan elements (and the timestamp) are enabled"

rkctl tail --json >$W/tail2.json 2>&1 &
tail_pid=$!
n=0
until grep -q '"object":"hw_iio_bad_channel","what":"failed"' $W/tail2.json 2>/dev/null; do
	n=$((n + 1)); [ $n -le 100 ] || fail "rkctl tail never subscribed: $(cat $W/tail2.json)"
	rkctl load $W/progs2/hw_iio_bad_channel.o >/dev/null 2>&1
	sleep 0.1
done
n=0
while v=$(rkctl map get hw_iio_gone gone_scans 0); [ -z "$v" ] || [ "$v" -lt 5 ]; do
	n=$((n + 1)); [ $n -le 600 ] || fail "rkimu_gone scans: $v"
	sleep 0.05
done
ok "rkimu_gone delivers scans ($v) on trigger = $IIO_TRIG_NAME"
rmdir /sys/kernel/config/iio/devices/dummy/rkimu_gone || fail "cannot remove iio_dummy rkimu_gone"
wait_for iio-removed 20 '"what":"hook_error".*iio rkimu_gone: No such device \(the device was removed' $W/tail2.json
ok "rkimu_gone removed: a hook_error event"
kill -0 $rkd_pid || fail "rkd died after rkimu_gone was removed"
before=$(sel | json_field scans)
n=0
while [ "$(sel | json_field scans)" -le $((before + 10)) ]; do
	n=$((n + 1)); [ $n -le 600 ] || fail "rkimu stopped after rkimu_gone was removed: $(sel)"
	sleep 0.05
done
expect list-after-removal '^hw_iio_gone +running' rkctl list
ok "rkd keeps running: rkimu still delivers, rkctl answers"
kill $tail_pid 2>/dev/null; tail_pid=
kill $rkd_pid
wait $rkd_pid
rc=$?
rkd_pid=
[ $rc -eq 0 ] || fail "rkd (with [iio] sections) exited $rc on SIGTERM"
ok "rkd stopped cleanly"
say "$passed checks passed"
