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
RKD=$1/rkd RKCTL=$1/rkctl OBJS=$2
W=/tmp/rkhw
SOCK=$W/rkd.sock
passed=0
rkd_pid='' tail_pid=''

say() { echo "iio.sh: $*"; }
cleanup() {
	[ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null
	[ -n "$rkd_pid" ] && kill "$rkd_pid" 2>/dev/null
}
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

mkdir -p $W/progs
for n in hw_iio_filter hw_iio_bad_device; do
	cp "$OBJS/$n.o" $W/progs/ || fail "copy $n.o"
done
"$RKD" --foreground --programs-dir $W/progs --socket $SOCK >$W/rkd.log 2>&1 &
rkd_pid=$!
wait_for rkd-ready 20 'ready:' $W/rkd.log
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
say "$passed checks passed"
