#!/bin/bash
# test_attach.sh - where programs are attached: rkctl attach moves a loaded
# program to another attach point of the same kind of context (verified
# again, the new hook started before the old one stops; a refusal leaves it
# where it was), rkctl detach keeps it loaded, both survive a swap; the
# [program OBJECT/PROG] process filters of rkd.conf (pid, comm); a traced
# binary deleted while attached; traced processes that exit (their fds hang
# up: "target exited", and rkd does not spin on them).
source "$(dirname "$0")/lib.sh"
robot=$(cd "$build" && pwd)/demo-robot
conf=$work/rkd.conf
mkdir -p "$work/bin"
cp "$objs/rkd_getpid.o" "$objs/rkd_robot.o" "$work/progs/"
cp "$objs/rkd_robot.o" "$work/progs/robot_filtered.o"

# The tracepoint program follows one process, started before rkd: it calls
# getpid() N times for each line N written to it, and exits on "quit" (or
# after 2 minutes).  Nothing else may hold the fifo (3>&- below).
mkfifo "$work/target.in"
timeout 120 /usr/bin/python3 -u -c 'import os, sys
print(os.getpid())
while True:
    line = sys.stdin.readline()
    if not line or line.strip() == "quit":
        break
    for _ in range(int(line)):
        os.getpid()
    print("done", flush=True)' <"$work/target.in" >"$work/target.out" &
target_job=$!
exec 3>"$work/target.in"
wait_for target-started '^[0-9]+$' -- head -n 1 "$work/target.out"
target_pid=$(head -n 1 "$work/target.out")
target() { echo "$1" >&3; wait_for "target-$2" "^done" -- sed -n "$2p" "$work/target.out"; }
cat >"$conf" <<CONF
[program rkd_getpid/on_getpid]
pid = $target_pid

# Looked up when the program is attached: not running yet.
[program robot_filtered/on_step]
comm = rkd-robot-b
CONF
start_rkd --config "$conf" 3>&-

# --- process filters from rkd.conf -----------------------------------------------
expect pid-listed 0 "^    on_getpid  tracepoint syscalls/sys_enter_getpid  \((jit|interpreter)\)  pid $target_pid\$" -- \
	"$rkctl" list --socket "$sock"
expect comm-not-running 0 "^robot_filtered +failed +$work/progs/robot_filtered.o: program on_step \(SEC \"uprobe/$robot:control_step\"\): cannot attach: $conf:6: key 'comm': no process named 'rkd-robot-b' is running; start it first" -- \
	"$rkctl" list --socket "$sock"
other=$(getpid_calls 5)
target 7 2
wait_for pid-filter-counts "^$target_pid: 7\$" -- "$rkctl" map dump rkd_getpid calls --socket "$sock"
"$rkctl" map dump rkd_getpid calls --socket "$sock" | grep -q "^$other:" &&
	fail "the pid filter let another process ($other) through"
passed=$((passed + 1))

# --- rkctl attach: refusals leave the program where it was ---------------------------
expect attach-tp-to-uprobe 1 "rkd_getpid/on_getpid: cannot attach to \"uprobe/$robot:control_step\": context: program on_getpid was built for SEC \"tracepoint/syscalls/sys_enter_getpid\", whose context is a tracepoint record; \"uprobe/$robot:control_step\" gives its programs struct pt_regs: a program only moves to an attach point with the same kind of context .* \(the program keeps running where it was\)" -- \
	"$rkctl" attach rkd_getpid on_getpid "uprobe/$robot:control_step" --socket "$sock"
expect attach-uprobe-to-tp 1 "cannot attach to \"tracepoint/sched/sched_switch\": context: program on_step was built for SEC \"uprobe/$robot:control_step\", whose context is struct pt_regs; \"tracepoint/sched/sched_switch\" gives its programs a tracepoint record \(tracepoint sched/sched_switch record\)" -- \
	"$rkctl" attach rkd_robot on_step tracepoint/sched/sched_switch --socket "$sock"
expect attach-no-symbol 1 "rkd_robot/on_step: cannot attach to \"uprobe/$robot:no_such_function\": cannot attach: .*no_such_function.* \(the program keeps running where it was\)" -- \
	"$rkctl" attach rkd_robot on_step "uprobe/$robot:no_such_function" --socket "$sock"
expect attach-no-tracepoint 1 "cannot attach to \"tracepoint/nosuch/thing\": context: .*no tracepoint system 'nosuch'" -- \
	"$rkctl" attach rkd_getpid on_getpid tracepoint/nosuch/thing --socket "$sock"
expect attach-bad-section 1 "cannot attach to \"bogus/x\": not an attach point" -- \
	"$rkctl" attach rkd_getpid on_getpid bogus/x --socket "$sock"
expect attach-no-program 1 "object 'rkd_robot' has no program 'nosuch'; it has: on_step" -- \
	"$rkctl" attach rkd_robot nosuch --socket "$sock"
expect attach-no-object 1 "no object 'nosuch' is loaded" -- "$rkctl" attach nosuch on_step --socket "$sock"
expect attach-usage 2 "usage: rkctl attach NAME PROGRAM \[SECTION\]" -- "$rkctl" attach rkd_robot --socket "$sock"
expect still-where-it-was 0 "^    on_step  uprobe $robot:control_step  \((jit|interpreter)\)\$" -- \
	"$rkctl" list --socket "$sock"

# --- a traced binary that disappears -------------------------------------------------
cp "$robot" "$work/bin/rkd-robot-a"
expect attach-copy 0 "^attached rkd_robot/on_step to uprobe $work/bin/rkd-robot-a:control_step \(its SEC\(\) overridden" -- \
	"$rkctl" attach rkd_robot on_step "uprobe/$work/bin/rkd-robot-a:control_step" --socket "$sock"
expect list-moved 0 "^    on_step  uprobe $work/bin/rkd-robot-a:control_step  \((jit|interpreter)\)  moved by rkctl attach \(SEC uprobe/$robot:control_step\)\$" -- \
	"$rkctl" list --socket "$sock"
"$work/bin/rkd-robot-a" --seconds 3 >/dev/null 3>&- &
robot_a=$!
wait_for robot-a-traced "^$robot_a: [1-9]" -- "$rkctl" map dump rkd_robot steps --socket "$sock"
rm "$work/bin/rkd-robot-a"
expect removed-note 0 "^        ! $work/bin/rkd-robot-a was removed after rkd attached: processes already running it are still traced" -- \
	"$rkctl" list --socket "$sock"
before=$("$rkctl" map get rkd_robot steps "$robot_a" --socket "$sock")
wait_for still-traced "^$robot_a: ([0-9]+)\$" -- "$rkctl" map dump rkd_robot steps --socket "$sock"
n=0
while [ "$("$rkctl" map get rkd_robot steps "$robot_a" --socket "$sock")" -le "$before" ]; do
	n=$((n + 1)); [ $n -le 100 ] || fail "the running robot is no longer traced after its binary was removed"
	sleep 0.05
done
expect attach-removed 1 "cannot attach to \"uprobe/$work/bin/rkd-robot-a:control_step\": cannot attach: .*rkd-robot-a.* \(the program keeps running where it was\)" -- \
	"$rkctl" attach rkd_robot on_step "uprobe/$work/bin/rkd-robot-a:control_step" --socket "$sock"
# A new version gets the override too: the binary is gone, so the update is refused.
cp "$objs/rkd_robot.o" "$work/progs/.rkd_robot.o.tmp"
mv "$work/progs/.rkd_robot.o.tmp" "$work/progs/rkd_robot.o"
wait_for swap-refused "^    ! update refused, version 1 keeps running: $work/progs/rkd_robot.o: program on_step \(SEC \"uprobe/$robot:control_step\", moved to \"uprobe/$work/bin/rkd-robot-a:control_step\" by rkctl attach; rkctl attach OBJECT PROGRAM with no section moves it back\): cannot attach: " -- \
	"$rkctl" list --socket "$sock"
wait "$robot_a"
alive "a traced binary removed, its process exited"
# Back in place: the swap keeps the override, and the maps.
cp "$robot" "$work/bin/rkd-robot-a"
cp "$objs/rkd_robot.o" "$work/progs/.rkd_robot.o.tmp"
mv "$work/progs/.rkd_robot.o.tmp" "$work/progs/rkd_robot.o"
wait_for swap-keeps-override "^rkd_robot +running +v2 .*"$'\n'"    on_step  uprobe $work/bin/rkd-robot-a:control_step  \((jit|interpreter)\)  moved by rkctl attach" -- \
	"$rkctl" list --socket "$sock"
expect swap-kept-steps 0 "^$robot_a: [1-9]" -- "$rkctl" map dump rkd_robot steps --socket "$sock"
expect attach-back 0 "^attached rkd_robot/on_step to uprobe $robot:control_step \(its own SEC\(\)\)" -- \
	"$rkctl" attach rkd_robot on_step --socket "$sock"

# --- detach, across a swap, and attach again ----------------------------------------------
expect detach 0 "^detached rkd_getpid/on_getpid: still loaded" -- \
	"$rkctl" detach rkd_getpid on_getpid --socket "$sock"
expect detach-again 1 "rkd_getpid/on_getpid is already detached; rkctl attach rkd_getpid on_getpid" -- \
	"$rkctl" detach rkd_getpid on_getpid --socket "$sock"
expect list-detached 0 "^    on_getpid  detached \(SEC tracepoint/syscalls/sys_enter_getpid\)  \((jit|interpreter)\)\$" -- \
	"$rkctl" list --socket "$sock"
expect json-detached 0 '"name":"on_getpid","section":"tracepoint/syscalls/sys_enter_getpid","mode":"[a-z]+","state":"detached"' -- \
	"$rkctl" list --json --socket "$sock"
target 4 3
expect detached-no-runs 0 "^$target_pid: 7\$" -- "$rkctl" map dump rkd_getpid calls --socket "$sock"
cp "$objs/rkd_getpid.o" "$work/progs/.rkd_getpid.o.tmp"
mv "$work/progs/.rkd_getpid.o.tmp" "$work/progs/rkd_getpid.o"
wait_for swap-stays-detached "^rkd_getpid +running +v2 .*"$'\n'"    on_getpid  detached" -- \
	"$rkctl" list --socket "$sock"
expect reattach 0 "^attached rkd_getpid/on_getpid to tracepoint syscalls/sys_enter_getpid \(its own SEC\(\)\)" -- \
	"$rkctl" attach rkd_getpid on_getpid --socket "$sock"
target 3 4
wait_for reattached-counts "^$target_pid: 10\$" -- "$rkctl" map dump rkd_getpid calls --socket "$sock"
expect reattached-pid 0 "^    on_getpid  tracepoint syscalls/sys_enter_getpid  \((jit|interpreter)\)  pid $target_pid\$" -- \
	"$rkctl" list --socket "$sock"

# --- a pid-filtered uprobe whose process exits ------------------------------------------------
cp "$robot" "$work/bin/rkd-robot-b"
"$work/bin/rkd-robot-b" --seconds 2 >/dev/null 3>&- &
robot_b=$!
sleep 0.1
expect load-filtered 0 "^loaded robot_filtered \(version 1" -- \
	"$rkctl" load "$work/progs/robot_filtered.o" --socket "$sock"
expect attach-filtered 0 "^attached robot_filtered/on_step to uprobe $work/bin/rkd-robot-b:control_step" -- \
	"$rkctl" attach robot_filtered on_step "uprobe/$work/bin/rkd-robot-b:control_step" --socket "$sock"
expect list-filtered 0 "^    on_step  uprobe $work/bin/rkd-robot-b:control_step  \((jit|interpreter)\)  moved by rkctl attach \(SEC [^)]*\), pid $robot_b\$" -- \
	"$rkctl" list --socket "$sock"
wait_for filtered-traced "^$robot_b: [1-9]" -- "$rkctl" map dump robot_filtered steps --socket "$sock"
wait "$robot_b"
wait_for target-exited "^    on_step  uprobe $work/bin/rkd-robot-b:control_step  \((jit|interpreter)\)  moved by rkctl attach \(SEC [^)]*\), pid $robot_b, target exited\$" -- \
	"$rkctl" list --socket "$sock"
grep -q "robot_filtered: on_step: target exited (pid $robot_b): uprobe $work/bin/rkd-robot-b:control_step gets no more events" "$work/rkd.log" ||
	fail "no 'target exited' line in rkd's log"
passed=$((passed + 1))
# No busy loop on the hung-up fds: rkd's CPU time over 2 s (utime + stime, in clock ticks).
cpu() { awk '{print $14 + $15}' "/proc/$rkd_pid/stat"; }
t0=$(cpu)
sleep 2
t1=$(cpu)
[ $((t1 - t0)) -le 20 ] || fail "rkd used $((t1 - t0)) clock ticks of CPU in 2 s with its target gone (a busy loop?)"
passed=$((passed + 1))
expect attach-gone 1 "$conf:6: key 'comm': no process named 'rkd-robot-b' is running" -- \
	"$rkctl" attach robot_filtered on_step "uprobe/$work/bin/rkd-robot-b:control_step" --socket "$sock"
expect json-exited 0 '"state":"target_exited","pid":'"$robot_b" -- "$rkctl" list --json --socket "$sock"

# --- the tracepoint's process exits too -----------------------------------------------------
echo quit >&3
exec 3>&-
wait "$target_job"
wait_for tp-target-exited "^    on_getpid  tracepoint syscalls/sys_enter_getpid  \((jit|interpreter)\)  pid $target_pid, target exited\$" -- \
	"$rkctl" list --socket "$sock"
t0=$(cpu)
sleep 1
t1=$(cpu)
[ $((t1 - t0)) -le 10 ] || fail "rkd used $((t1 - t0)) clock ticks of CPU in 1 s with both targets gone"
passed=$((passed + 1))

alive "moved, detached, swapped programs; removed binaries; exited targets"
stop_rkd
summary
