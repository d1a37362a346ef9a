#!/bin/bash
# test_socket.sh - malformed, oversized and unauthorised control requests get
# precise errors; a tail client that does not read is dropped and counted;
# rkd keeps running through all of it.
source "$(dirname "$0")/lib.sh"
conf=$work/rkd.conf
# nobody's primary group: read-only access for it; no admin_group.
printf '[rkd]\naccess_group = nogroup\ntail_buffer_bytes = 4K\n' >"$conf"
cp "$objs/rkd_timer.o" "$objs/rkd_getpid.o" "$work/progs/"
start_rkd --config "$conf"

expect not-json 0 '^\{"v":1,"ok":false,"error":"not JSON: column [0-9]+: .*; a request is one line like' -- \
	raw '{"v":1,"cmd":'
expect not-object 0 '"ok":false,"error":"a request is a JSON object' -- raw '[1,2]'
expect no-version 0 '^\{"v":1,"id":7,"ok":false,"error":"missing \\"v\\": this rkd speaks protocol version 1' -- \
	raw '{"id":7,"cmd":"list"}'
expect bad-version 0 '"id":8,"ok":false,"error":"unsupported protocol version 2; this rkd speaks version 1"' -- \
	raw '{"v":2,"id":8,"cmd":"list"}'
expect no-cmd 0 '"ok":false,"error":"missing \\"cmd\\"' -- raw '{"v":1,"id":9}'
expect unknown-cmd 0 '"ok":false,"error":"unknown cmd \\"lst\\"; known: version, list, show' -- \
	raw '{"v":1,"id":10,"cmd":"lst"}'
expect bad-id 0 '"ok":false,"error":"\\"id\\" must be an integer"' -- raw '{"v":1,"id":"x","cmd":"list"}'
expect missing-arg 0 '"ok":false,"error":"show: missing \\"object\\" \(it takes: object\)"' -- \
	raw '{"v":1,"id":11,"cmd":"show"}'
expect wrong-type 0 '"ok":false,"error":"show: \\"object\\" must be a string"' -- \
	raw '{"v":1,"id":12,"cmd":"show","object":5}'
expect not-utf8 0 '"ok":false,"error":"not JSON' -- raw $'{"v":1,"cmd":"\xff"}'
expect relative-load 0 '"ok":false,"error":"load: \\"path\\" must be absolute' -- \
	raw '{"v":1,"id":13,"cmd":"load","path":"x.o"}'
# Several requests on one connection, then a good one after bad ones.
expect same-connection 0 '"id":15,"ok":true,"objects"' -- raw 'junk' '{"v":1,"id":15,"cmd":"list"}'
big=$(head -c 70000 /dev/zero | tr '\0' 'a')
expect oversized 0 '^\{"v":1,"ok":false,"error":"request longer than 65536 bytes without a newline: refused' -- \
	raw "$big"
expect after-oversized 0 '"id":16,"ok":true' -- raw "$big" '{"v":1,"id":16,"cmd":"version"}'
alive "malformed and oversized requests"

# Unauthorised: nobody (group nogroup = access_group) may read, not change.
as_nobody() { setpriv --reuid nobody --regid nogroup --clear-groups "$@"; }
expect nobody-list 0 '^rkd_timer +running' -- as_nobody "$rkctl" list --socket "$sock"
expect nobody-load 1 "rkctl load: permission denied: 'load' changes what runs and needs root \(or a group set as admin_group in rkd.conf\) \(uid 65534 may only make read-only requests\)" -- \
	as_nobody "$rkctl" load "$objs/rkd_timer.o" --socket "$sock"
expect nobody-map-set 1 "permission denied: 'map.set' changes what runs" -- \
	as_nobody "$rkctl" map set rkd_timer settings 0 '{"every":1}' --socket "$sock"
expect nobody-unload 1 "permission denied: 'unload'" -- as_nobody "$rkctl" unload rkd_timer --socket "$sock"
# daemon (uid 1) is in no allowed group: nothing at all.
expect stranger 1 "rkctl list: permission denied: uid 1 is neither root nor in group 'nogroup' \(access_group in rkd.conf\); run as root or add the user to that group" -- \
	setpriv --reuid 1 --regid 1 --clear-groups "$rkctl" list --socket "$sock"
expect still-loaded 0 '^rkd_timer +running' -- "$rkctl" list --socket "$sock"
alive "unauthorised requests"

# A tail client that never reads is dropped once it is 4 KiB (+ socket buffers) behind.
/usr/bin/python3 - "$sock" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
s.sendall(b'{"v":1,"id":1,"cmd":"tail"}\n')
time.sleep(30)
PY
slow_pid=$!
sleep 0.3
getpid_calls 20000 >/dev/null
wait_for slow-dropped '"subscribers_dropped":[1-9]' -- "$rkctl" stats --json --socket "$sock"
grep -q 'tail: uid 0 pid [0-9]* fell [0-9]* bytes behind; dropped' "$work/rkd.log" ||
	fail "no log line for the dropped tail client"
kill "$slow_pid" 2>/dev/null
expect after-slow 0 'rkd: [0-9]+ bytes charged; events [0-9]+ emitted, 1 tail clients dropped; socket [0-9]+ requests \([0-9]+ malformed, [0-9]+ refused\)' -- \
	"$rkctl" stats --socket "$sock"
expect getpid-runs 0 '^rkd_getpid +on_getpid +[0-9]{5,} ' -- "$rkctl" stats --socket "$sock"
alive "a slow tail client"
stop_rkd
summary
