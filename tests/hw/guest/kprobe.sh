# kprobe.sh - runs in the hwlab guest (busybox sh, Debian's 6.1 kernel, real
# kprobes), started by tests/hw/run.sh:
#
#   kprobe.sh BUILD OBJDIR      (every guest test gets these two; see run.sh)
#
# rkd --foreground on a programs dir holding
#   hw_open_entry.o  kprobe/do_sys_openat2: a count per process, and for the
#                    target process a ring-buffer record (dfd, file name);
#   hw_open_exit.o   kretprobe/do_sys_openat2: PT_REGS_RC of the target's opens;
#   hw_bad_*.o       kprobes the kernel cannot place: each must fail alone,
#                    with an error that says why (no such function, +OFF
#                    past the end, inside an instruction, blacklisted);
# then the opener (tests/hw/opener.c) makes a known sequence of opens and the
# checks compare, through rkctl, what the programs saw with what it did.
# objects: hw_open_* hw_bad_*
HW_TEST=kprobe
. "${RKHW_LIB:-/rkhw/lib.sh}"
OPENER=$1/tests/hw/hw-opener
COUNT=50      # successful open(FILE) of the opener
FAILS=10      # openat(dirfd, "no-such-file-xyz"): -ENOENT
FILE=$W/marker-file
opener_pid=''
on_cleanup() {
	exec 3>&- 2>/dev/null
	[ -n "$opener_pid" ] && kill "$opener_pid" 2>/dev/null
}
on_fail() {
	echo "--- rkctl stats"
	"$RKCTL" stats --socket "$SOCK" 2>&1
}

say "kernel $(uname -r), $(nproc 2>/dev/null || echo '?') CPUs"
mkdir -p $W/progs
echo "kprobe test data" >$FILE
[ -r /sys/bus/event_source/devices/kprobe/type ] || fail "this kernel has no kprobe PMU"
say "kprobe PMU type $(cat /sys/bus/event_source/devices/kprobe/type), retprobe $(cat /sys/bus/event_source/devices/kprobe/format/retprobe)"
copy_objs $W/progs hw_open_entry hw_open_exit hw_bad_kprobe hw_bad_offset hw_bad_insn hw_bad_blacklist
start_rkd $W/progs
ok "rkd started (pid $rkd_pid)"
others=$(rkctl list | grep -E '^[^ ]' | grep -vE '^(hw_open_entry|hw_open_exit|hw_bad_kprobe|hw_bad_offset|hw_bad_insn|hw_bad_blacklist) ')
[ -z "$others" ] || fail "objects of other tests were loaded: $others"
ok "only this test's objects are loaded"

# --- what rkd attached, and the one precise error ------------------------------
expect list-kprobe '^hw_open_entry +running +v1 .*
    on_openat2  kprobe do_sys_openat2  \((jit|interpreter)\)' rkctl list
expect list-kretprobe '^hw_open_exit +running +v1 .*
    on_openat2_return  kretprobe do_sys_openat2  \((jit|interpreter)\)' rkctl list
expect list-bad-kprobe "^hw_bad_kprobe +failed +$W/progs/hw_bad_kprobe.o: program on_nothing \\(SEC \"kprobe/no_such_function_xyz\"\\): cannot attach: kprobe no_such_function_xyz: no function no_such_function_xyz in this kernel \\(not in /proc/kallsyms" rkctl list
grep -q 'hw_bad_kprobe: failed: .*no function no_such_function_xyz' $W/rkd.log ||
	fail "the bad kprobe is not in rkd's log"
ok "bad kprobe logged"
# Regressions (hooks/hook_kprobe.c): the kernel accepted an offset past the end
# of the function (the probe landed in another one); EILSEQ and the blacklist
# gave a meaningless or vague message.
expect list-bad-offset "^hw_bad_offset +failed +.*: kprobe do_sys_openat2\\+0x100000: \\+0x100000 is past the end of do_sys_openat2 \\(0x[0-9a-f]+ bytes to the next symbol in /proc/kallsyms\\)" rkctl list
expect list-bad-insn "^hw_bad_insn +failed +.*: kprobe do_sys_openat2\\+0x1: \\+0x1 is not on an instruction boundary of do_sys_openat2" rkctl list
expect list-bad-blacklist "^hw_bad_blacklist +failed +.*: kprobe do_int3: do_int3 is on the kernel's kprobe blacklist" rkctl list

# --- the traced process ---------------------------------------------------------
rkctl tail --json >$W/tail.json 2>&1 &
tail_pid=$!
mkfifo $W/opener.in
"$OPENER" $FILE $COUNT $W $FAILS <$W/opener.in >$W/opener.out 2>&1 &
opener_pid=$!
exec 3>$W/opener.in   # the opener's stdin: a line starts it, closing ends it
wait_for opener-pid 10 '^pid ' $W/opener.out
[ "$(sed -n 's/^pid //p' $W/opener.out)" = "$opener_pid" ] || fail "opener pid: $(cat $W/opener.out)"
expect set-target-entry "\"tgid\":$opener_pid" rkctl map set hw_open_entry target 0 "{\"tgid\": $opener_pid}"
expect set-target-exit "\"tgid\":$opener_pid" rkctl map set hw_open_exit target 0 "{\"tgid\": $opener_pid}"
echo go >&3
wait_for opener-done 30 '^done$' $W/opener.out
dirfd=$(sed -n 's/^dirfd \([0-9]*\) fd .*/\1/p' $W/opener.out)
fd=$(sed -n 's/^dirfd [0-9]* fd \([0-9]*\)$/\1/p' $W/opener.out)
[ -n "$dirfd" ] && [ -n "$fd" ] || fail "opener: $(cat $W/opener.out)"
say "opener $opener_pid: dirfd $dirfd, then $COUNT x fd $fd, $FAILS x ENOENT"

# --- kprobe: arguments (PT_REGS_PARM1/2) and the count ---------------------------
REC="\"type\":\"ringbuf\",.*\"object\":\"hw_open_entry\",\"map\":\"open_events\""
FILE_RE="$REC.*\"record\":\\{\"tgid\":$opener_pid,\"dfd\":-100,\"name_len\":$((${#FILE} + 1)),\"pad\":0,\"filename\":\"$FILE\"\\}"
MISS_RE="$REC.*\"record\":\\{\"tgid\":$opener_pid,\"dfd\":$dirfd,\"name_len\":17,\"pad\":0,\"filename\":\"no-such-file-xyz\"\\}"
DIR_RE="$REC.*\"record\":\\{\"tgid\":$opener_pid,\"dfd\":-100,\"name_len\":$((${#W} + 1)),\"pad\":0,\"filename\":\"$W\"\\}"
n=0
while [ "$(count_lines "$MISS_RE" $W/tail.json)" -lt $FAILS ]; do
	n=$((n + 1))
	[ $n -le 200 ] || fail "kprobe records: after 10 s, $(count_lines "$MISS_RE" $W/tail.json) of $FAILS failing opens; tail:
$(tail -n 5 $W/tail.json)"
	sleep 0.05
done
c=$(count_lines "$FILE_RE" $W/tail.json)
[ "$c" -eq $COUNT ] || fail "kprobe: $c records of open($FILE) with dfd AT_FDCWD, expected $COUNT:
$(grep -E "$REC" $W/tail.json | head -n 5)"
ok "kprobe saw $COUNT x open($FILE): dfd -100 (PARM1), the name read through PARM2"
c=$(count_lines "$MISS_RE" $W/tail.json)
[ "$c" -eq $FAILS ] || fail "kprobe: $c records of openat($dirfd, no-such-file-xyz), expected $FAILS"
ok "kprobe saw $FAILS x openat(dirfd $dirfd, no-such-file-xyz)"
c=$(count_lines "$DIR_RE" $W/tail.json)
[ "$c" -eq 1 ] || fail "kprobe: $c records of open($W), expected 1"
c=$(count_lines "$REC.*\"tgid\":$opener_pid," $W/tail.json)
[ "$c" -eq $((COUNT + FAILS + 1)) ] || fail "kprobe: $c records for the opener, expected $((COUNT + FAILS + 1)):
$(grep -E "$REC" $W/tail.json | grep -vE "$FILE_RE|$MISS_RE|$DIR_RE" | head -n 5)"
ok "kprobe: exactly $((COUNT + FAILS + 1)) records for the opener"
opens=$(rkctl map get hw_open_entry opens $opener_pid) || fail "map get opens: $opens"
[ "$opens" -ge $((COUNT + FAILS + 1)) ] || fail "opens[$opener_pid] = $opens, expected >= $((COUNT + FAILS + 1))"
ok "kprobe count for the opener: $opens >= $((COUNT + FAILS + 1))"
expect dump-opens "^$opener_pid: $opens\$" rkctl map dump hw_open_entry opens
# PT_REGS_IP: the probed address (kprobes on x86 report it + 1, past the int3).
func=$(sed -n 's/^\([0-9a-f]*\) [tT] do_sys_openat2$/\1/p' /proc/kallsyms | head -n 1)
# 64-bit kernel addresses do not fit busybox's arithmetic: compare the high
# halves as text, subtract the low ones.  value_hex is little-endian.
ip=$(rkctl map get hw_open_entry last_ip 0 --json | sed -n 's/.*"value_hex":"\([0-9a-f]\{16\}\)".*/\1/p' |
	sed 's/^\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)$/\8\7\6\5\4\3\2\1/')
[ ${#ip} -eq 16 ] && [ ${#func} -eq 16 ] || fail "kprobe: PT_REGS_IP '$ip', do_sys_openat2 at '$func'"
delta=$((0x$(echo "$ip" | cut -c9-16) - 0x$(echo "$func" | cut -c9-16)))
say "do_sys_openat2 at 0x$func, PT_REGS_IP 0x$ip: +$delta"
[ "$(echo "$ip" | cut -c1-8)" = "$(echo "$func" | cut -c1-8)" ] && [ $delta -ge 0 ] && [ $delta -le 16 ] ||
	fail "kprobe: PT_REGS_IP 0x$ip is not at do_sys_openat2 (0x$func)"
ok "kprobe: PT_REGS_IP at do_sys_openat2+$delta"

# --- kretprobe: the return values (PT_REGS_RC) -----------------------------------
res=$(rkctl map get hw_open_exit results 0) || fail "map get results: $res"
say "kretprobe results: $res"
[ "$(echo "$res" | json_field ok)" = $((COUNT + 1)) ] || fail "kretprobe: ok != $((COUNT + 1)): $res"
[ "$(echo "$res" | json_field failed)" = $FAILS ] || fail "kretprobe: failed != $FAILS: $res"
[ "$(echo "$res" | json_field last_error)" = -2 ] || fail "kretprobe: last_error != -ENOENT: $res"
ok "kretprobe: $((COUNT + 1)) fds, $FAILS x -ENOENT"
min=$(echo "$res" | json_field min_fd) max=$(echo "$res" | json_field max_fd)
want_min=$dirfd want_max=$fd
[ "$fd" -lt "$dirfd" ] && want_min=$fd want_max=$dirfd
[ "$min" = "$want_min" ] && [ "$max" = "$want_max" ] ||
	fail "kretprobe: fds $min..$max, the opener got $want_min..$want_max: $res"
ok "kretprobe: fds $min..$max, non-negative, as the opener got them"
all=$(rkctl map get hw_open_exit returns 0) || fail "map get returns: $all"
[ "$all" -ge $((COUNT + FAILS + 1)) ] || fail "kretprobe: $all returns in all, expected >= $((COUNT + FAILS + 1))"
ok "kretprobe: $all returns in all processes"

# --- stats: ran, nothing failed ------------------------------------------------------
expect stats-entry '^hw_open_entry +on_openat2 +[1-9][0-9]* +[0-9]+ +0 ' rkctl stats
expect stats-exit '^hw_open_exit +on_openat2_return +[1-9][0-9]* +[0-9]+ +0 ' rkctl stats

# --- the bad object did not stop the others; unload and reload -------------------
expect still-running '^hw_open_entry +running' rkctl list
rm $W/progs/hw_open_exit.o
n=0
while rkctl list | grep -q '^hw_open_exit'; do
	n=$((n + 1)); [ $n -le 200 ] || fail "hw_open_exit still listed 10 s after its file was removed"
	sleep 0.05
done
ok "kretprobe object unloaded"
expect reload "^loaded hw_open_exit \\(version 1, [0-9]+ bytes\\)" rkctl load "$OBJS/hw_open_exit.o"
before=$(rkctl map get hw_open_exit returns 0)
cat $FILE >/dev/null
n=0
while [ "$(rkctl map get hw_open_exit returns 0)" -le "$before" ]; do
	n=$((n + 1)); [ $n -le 200 ] || fail "the reloaded kretprobe does not run"
	sleep 0.05
done
ok "reloaded kretprobe runs"

exec 3>&-   # the opener exits
wait $opener_pid || fail "opener exited $?: $(cat $W/opener.out)"
opener_pid=
kill $tail_pid 2>/dev/null
tail_pid=
stop_rkd
say "$passed checks passed"
