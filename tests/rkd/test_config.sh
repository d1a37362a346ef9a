#!/bin/bash
# test_config.sh - rkd.conf errors name the file, the line and the key; rkd
# exits non-zero without starting.  A good config (and config/rkd.conf) parses.
source "$(dirname "$0")/lib.sh"
conf=$work/rkd.conf

printf '[rkd]\njit = on\nbogus = 1\n' >"$conf"
expect unknown-key 2 "^rkd: $conf:3: key 'bogus': unknown key; rkd.conf knows programs_dir, socket" -- \
	"$rkd" --config "$conf" --foreground
printf '[rkd]\njit = maybe\n' >"$conf"
expect bad-bool 2 "^rkd: $conf:2: key 'jit': wants on or off, got 'maybe'\$" -- \
	"$rkd" --config "$conf" --foreground
printf '# budget\n[rkd]\n\nbudget_bytes = lots\n' >"$conf"
expect bad-bytes 2 "^rkd: $conf:4: key 'budget_bytes': wants a number of bytes from 4096 to [0-9]+ \(suffixes K, M, G\), got 'lots'\$" -- \
	"$rkd" --config "$conf" --foreground
printf '[rkd]\naccess_group = no-such-group-here\n' >"$conf"
expect bad-group 2 "^rkd: $conf:2: key 'access_group': no group 'no-such-group-here' on this system" -- \
	"$rkd" --config "$conf" --foreground
printf '[daemon]\njit = on\n' >"$conf"
expect bad-section 2 "^rkd: $conf:2: key 'jit': in unknown section \[daemon\]" -- \
	"$rkd" --config "$conf" --foreground
printf '[rkd]\njit on\n' >"$conf"
expect syntax 2 "^rkd: $conf:2: syntax error: expected 'key = value'" -- \
	"$rkd" --config "$conf" --foreground
printf '[rkd]\njit = on\n\n[program motor_trace/motor_trace]\npid = robot\n' >"$conf"
expect program-bad-pid 2 "^rkd: $conf:5: key 'pid': wants a process id \(1..4194304\), got 'robot'; or name the process with comm = NAME\$" -- \
	"$rkd" --config "$conf" --foreground
printf '[program motor_trace]\ncomm = demo-robot\n' >"$conf"
expect program-bad-section 2 "^rkd: $conf:2: key 'comm': \[program motor_trace\]: the section names one program as OBJECT/PROGRAM" -- \
	"$rkd" --config "$conf" --foreground
printf '[program motor_trace/motor_trace]\ncomm = demo-robot\n[program jitter/on_step]\npid = 42\n' >"$conf"
expect program-check 0 $'\\[program motor_trace/motor_trace\\] comm = demo-robot\n\\[program jitter/on_step\\] pid = 42' -- \
	"$rkd" --config "$conf" --check-config
expect missing-file 2 "^rkd: $work/nosuch.conf: cannot read: No such file or directory; create it" -- \
	"$rkd" --config "$work/nosuch.conf" --foreground
expect sample 0 '^budget_bytes = 524288$' -- "$rkd" --config "$src/config/rkd.conf" --check-config
printf '[rkd]\nbudget_bytes = 1M\njit = off\naccess_group = nogroup\n' >"$conf"
expect good 0 $'budget_bytes = 1048576\njit = off' -- "$rkd" --config "$conf" --check-config
expect override 0 "^programs_dir = $work/p\$" -- \
	"$rkd" --config "$conf" --programs-dir "$work/p" --check-config
expect bad-option 2 "unexpected argument '--bogus'" -- "$rkd" --bogus

# Start-up errors: exit 1, naming what to fix.
expect no-programs-dir 1 "programs_dir $work/none: cannot watch it: No such file or directory; create it" -- \
	"$rkd" --config "$conf" --foreground --programs-dir "$work/none" --socket "$sock"
# jit = off runs programs in the interpreter.
cp "$objs/rkd_timer.o" "$work/progs/"
start_rkd --config "$conf"
expect jit-off 0 'on_tick  timer 10ms  \(interpreter\)' -- "$rkctl" list --socket "$sock"
expect second-rkd 1 "socket $sock: another rkd is listening there" -- \
	"$rkd" --foreground --programs-dir "$work/progs" --socket "$sock"
alive "a second rkd on the same socket"
stop_rkd
summary
