#!/bin/bash
# test_programs.sh - rkd runs what is dropped into programs_dir: a timer
# program and a tracepoint program run and report decoded events; map set
# changes behaviour; a malformed object and a verifier-rejected one are listed
# with precise errors while the others keep running; changed files are swapped
# in (maps carried over); removed files are unloaded with every byte returned.
source "$(dirname "$0")/lib.sh"

cp "$objs/rkd_timer.o" "$objs/rkd_getpid.o" "$objs/rkd_rejected.o" "$work/progs/"
echo "this is not an ELF object" >"$work/progs/broken.o"
start_rkd

expect list-timer 0 '^rkd_timer +running +v1 .*'$'\n''    on_tick  timer 10ms  \((jit|interpreter)\)' -- \
	"$rkctl" list --socket "$sock"
expect list-tracepoint 0 'on_getpid  tracepoint syscalls/sys_enter_getpid' -- \
	"$rkctl" list --socket "$sock"
expect list-malformed 0 "^broken +failed +$work/progs/broken.o: not an ELF file" -- \
	"$rkctl" list --socket "$sock"
expect list-rejected 0 "rkd_rejected +failed .*program unchecked \(SEC \"timer/100ms\"\): rejected by the verifier: rkd_rejected.bpf.c:22 .*may be NULL" -- \
	"$rkctl" list --socket "$sock"
expect list-json 0 '"name":"rkd_timer","path":"[^"]*","state":"running"' -- \
	"$rkctl" list --json --socket "$sock"
grep -q 'broken: failed: .*not an ELF file' "$work/rkd.log" || fail "the malformed object is not in the log"

# Live events: before the map set, the timer program reports nothing.
"$rkctl" tail --json --socket "$sock" >"$work/tail.json" 2>&1 &
tail_pid=$!
sleep 0.3
grep -q '"type":"ringbuf"' "$work/tail.json" && fail "ring-buffer records before settings.every was set"
expect map-set 0 '^\{"every":2,"max_current_ma":1500\}$' -- \
	"$rkctl" map set rkd_timer settings 0 '{"every": 2, "max_current_ma": 1500}' --socket "$sock"
pid=$(getpid_calls 3)
wait_for tail-ringbuf '"type":"ringbuf","time_ns":[0-9]+,"object":"rkd_timer","map":"ticks_seen","size":16,"record":\{"tick":[0-9]+,"every":2,"max_current_ma":1500\}' -- \
	cat "$work/tail.json"
wait_for tail-print "\"object\":\"rkd_getpid\",\"prog\":\"on_getpid\",\"text\":\"getpid from $pid\"" -- \
	cat "$work/tail.json"
kill "$tail_pid"; wait "$tail_pid" 2>/dev/null

# Human-readable tail.
timeout 1 "$rkctl" tail --socket "$sock" >"$work/tail.txt" 2>&1
grep -qE '^[0-9]+\.[0-9]{6} rkd_timer ticks_seen: \{"tick":[0-9]+,"every":2,"max_current_ma":1500\}$' "$work/tail.txt" ||
	fail "rkctl tail (human) shows no decoded record:
$(head -5 "$work/tail.txt")"
passed=$((passed + 1))

# Patch one field: the other keeps its value.
expect map-patch 0 '^\{"every":2,"max_current_ma":1200\}$' -- \
	"$rkctl" map set rkd_timer settings 0 '{"max_current_ma": 1200}' --socket "$sock"
expect map-get 0 '^\{"every":2,"max_current_ma":1200\}$' -- \
	"$rkctl" map get rkd_timer settings 0 --socket "$sock"
expect map-set-hex 0 '^\{"every":4,"max_current_ma":1000\}$' -- \
	"$rkctl" map set rkd_timer settings 00000000 04000000e8030000 --hex --socket "$sock"
expect map-get-json 0 '"value_hex":"04000000e8030000"' -- \
	"$rkctl" map get rkd_timer settings 0 --json --socket "$sock"
expect map-set-overflow 1 'value.max_current_ma: 5000000000 does not fit in an unsigned 32-bit integer' -- \
	"$rkctl" map set rkd_timer settings 0 '{"max_current_ma": 5000000000}' --socket "$sock"
expect map-set-no-member 1 'no member "max_current" in struct settings \(members: every, max_current_ma\)' -- \
	"$rkctl" map set rkd_timer settings 0 '{"max_current": 1}' --socket "$sock"
expect map-no-map 1 "object 'rkd_timer' has no map 'nosuch'; it has: ticks settings ticks_seen .bss" -- \
	"$rkctl" map get rkd_timer nosuch 0 --socket "$sock"
expect map-no-object 1 "no object 'nosuch' is loaded; rkctl list shows what is" -- \
	"$rkctl" map get nosuch settings 0 --socket "$sock"
expect map-bad-json 2 "key 'zero' is not JSON" -- \
	"$rkctl" map get rkd_timer settings zero --socket "$sock"
expect map-list 0 '^ticks_seen +ringbuf ' -- "$rkctl" map list rkd_timer --socket "$sock"
expect map-dump 0 "^$pid: ([3-9]|[1-9][0-9]+)\$" -- "$rkctl" map dump rkd_getpid calls --socket "$sock"
expect map-delete 0 '^deleted$' -- "$rkctl" map delete rkd_getpid calls "$pid" --socket "$sock"
expect map-delete-again 1 "map 'calls' has no entry for that key" -- \
	"$rkctl" map delete rkd_getpid calls "$pid" --socket "$sock"
expect map-dump-offline 0 '"name": "settings"' -- "$rkctl" map dump "$objs/rkd_timer.o"

expect stats 0 '^rkd_timer +on_tick +[1-9][0-9]* ' -- "$rkctl" stats --socket "$sock"
expect show 0 'maps:'$'\n''  settings  \(array\)' -- "$rkctl" show rkd_timer --socket "$sock"

# A new version, installed atomically: swapped in, maps carried over.
cp "$objs/rkd_timer.o" "$work/progs/.rkd_timer.o.tmp"
mv "$work/progs/.rkd_timer.o.tmp" "$work/progs/rkd_timer.o"
wait_for swap '^rkd_timer +running +v2 ' -- "$rkctl" list --socket "$sock"
expect swap-kept-map 0 '^\{"every":4,"max_current_ma":1000\}$' -- \
	"$rkctl" map get rkd_timer settings 0 --socket "$sock"
expect swap-note 0 'maps on last swap: .*carried over: settings' -- \
	"$rkctl" show rkd_timer --socket "$sock"

# A broken update keeps the running version.
echo "not ELF either" >"$work/progs/.tmp"
mv "$work/progs/.tmp" "$work/progs/rkd_timer.o"
wait_for bad-update '! update refused, version 2 keeps running: .*not an ELF file' -- \
	"$rkctl" list --socket "$sock"

# Removing files unloads; every byte comes back.
before=$("$rkctl" stats --json --socket "$sock" | grep -oE '"memory_charged":[0-9]+' | cut -d: -f2)
rm "$work/progs/rkd_getpid.o" "$work/progs/broken.o"
wait_for unload-removed '^rkd_timer' -- "$rkctl" list --socket "$sock"
wait_for unload-gone-getpid '^(rkd_rejected|rkd_timer)' -- "$rkctl" list --socket "$sock"
out=$("$rkctl" list --socket "$sock")
grep -qE '^(rkd_getpid|broken) ' <<<"$out" && fail "removed objects still listed:
$out"
after=$("$rkctl" stats --json --socket "$sock" | grep -oE '"memory_charged":[0-9]+' | cut -d: -f2)
[ "$after" -lt "$before" ] || fail "memory charged did not go down after unloading ($before -> $after)"
rm "$work/progs/rkd_timer.o" "$work/progs/rkd_rejected.o"
wait_for all-gone 'no objects loaded' -- "$rkctl" list --socket "$sock"
expect memory-zero 0 '"memory_charged":0' -- "$rkctl" stats --json --socket "$sock"

# Online load and unload.
expect load 0 '^loaded rkd_getpid \(version 1, [0-9]+ bytes\)' -- \
	"$rkctl" load "$objs/rkd_getpid.o" --socket "$sock"
expect load-rejected 1 'rejected by the verifier: rkd_rejected.bpf.c:22' -- \
	"$rkctl" load "$objs/rkd_rejected.o" --socket "$sock"
expect load-missing 1 "$work/nosuch.o: No such file" -- "$rkctl" load "$work/nosuch.o" --socket "$sock"
expect unload 0 '^unloaded rkd_getpid \([1-9][0-9]* bytes returned; rkd now holds 0\)' -- \
	"$rkctl" unload rkd_getpid --socket "$sock"
expect unload-again 1 "no object 'rkd_getpid' is loaded" -- "$rkctl" unload rkd_getpid --socket "$sock"

alive "all of the above"
stop_rkd
expect not-running 1 "rkd is not running \(nothing listens on $sock\): start it with" -- \
	"$rkctl" list --socket "$sock"
summary
