#!/bin/bash
# test_signatures.sh - rkd's signature policy (docs/signatures.md) against a
# real rkd: with require_signature = on, only objects beside a good OBJ.sig
# by a trusted key load; unsigned, tampered (object or signature), wrong-key,
# wrong-arch, wrong-board and rolled-back objects are refused with the precise
# reason while the others keep running; the highest sequence number survives
# a restart; key rotation takes effect on the next load; trust_attestation
# skips rkd's verifier only for a verifier key.  Also least privilege: the
# capabilities rkd keeps, no_new_privs, and socket_mode.
source "$(dirname "$0")/lib.sh"

keys=$work/keys
stage=$work/stage
mkdir -p "$keys" "$stage"
conf=$work/rkd.conf
write_conf() {   # write_conf [EXTRA LINES...]
	{
		printf '[rkd]\nrequire_signature = on\ntrusted_keys_dir = %s\n' "$keys"
		printf 'state_dir = %s/state\nboard_id = robot-7\nsocket_mode = 0660\n' "$work"
		printf '%s\n' "$@"
	} >"$conf"
}
write_conf

"$rkctl" keygen --out "$work/signer" >/dev/null || fail "keygen"
"$rkctl" keygen --out "$work/verifier" --role verifier >/dev/null || fail "keygen verifier"
"$rkctl" keygen --out "$work/other" >/dev/null || fail "keygen other"
cp "$work/signer.pub" "$work/verifier.pub" "$keys/"
expect keygen-secret-mode 0 '^600$' -- stat -c %a "$work/signer.key"
expect keygen-no-overwrite 1 'File exists \(keys are never overwritten' -- \
	"$rkctl" keygen --out "$work/signer"

# sign_as NAME KEY [SIGN ARGS...]: the timer object as NAME.o in $stage, signed.
sign_as() {
	local name=$1 key=$2
	shift 2
	cp "$objs/rkd_timer.o" "$stage/$name.o"
	rm -f "$stage/$name.o.sig"
	"$rkctl" sign --key "$key" "$stage/$name.o" "$@" >"$work/sign.out" 2>&1 ||
		fail "rkctl sign $name: $(cat "$work/sign.out")"
}
install() {   # install NAME: the .sig first, then the object (one load)
	cp "$stage/$1.o.sig" "$work/progs/.$1.o.sig.tmp" && mv "$work/progs/.$1.o.sig.tmp" "$work/progs/$1.o.sig"
	cp "$stage/$1.o" "$work/progs/.$1.o.tmp" && mv "$work/progs/.$1.o.tmp" "$work/progs/$1.o"
}

# rkctl sign verifies first and refuses a rejected program.
cp "$objs/rkd_rejected.o" "$stage/"
expect sign-rejected 1 'rkd_rejected.o: not signed: the verifier rejected a program' -- \
	"$rkctl" sign --key "$work/signer.key" "$stage/rkd_rejected.o"
[ -e "$stage/rkd_rejected.o.sig" ] && fail "a rejected object was signed"

sign_as good "$work/signer.key" --seq 5 && install good
cp "$stage/good.o.sig" "$work/good-seq5.sig"
sign_as tampered_obj "$work/signer.key" && install tampered_obj
printf 'x' >>"$work/progs/tampered_obj.o"
sign_as tampered_sig "$work/signer.key" && install tampered_sig
sed -i 's/^seq 1$/seq 9/' "$work/progs/tampered_sig.o.sig"
sign_as wrong_key "$work/other.key" && install wrong_key
sign_as wrong_arch "$work/signer.key" --arch arm64 && install wrong_arch
sign_as wrong_board "$work/signer.key" --board robot-9 && install wrong_board
sign_as our_board "$work/signer.key" --board robot-7 && install our_board
sign_as old_key "$work/signer.key" && install old_key
sign_as by_verifier "$work/verifier.key" && install by_verifier
cp "$objs/rkd_getpid.o" "$work/progs/unsigned.o"

# Offline: rkctl verify --signature says the same as rkd will.
expect verify-good 0 'good.o.sig: good signature: key [0-9a-f]{16} \(signer\), object good, seq 5' -- \
	"$rkctl" verify --signature --keys "$keys" "$stage/good.o"
expect verify-tampered 1 'tampered_obj.o: the object does not match its signature \(BLAKE2b differs\)' -- \
	"$rkctl" verify --signature --keys "$keys" "$work/progs/tampered_obj.o"
expect verify-wrong-key 1 'signed by key [0-9a-f]{16}, not by .*signer.pub' -- \
	"$rkctl" verify --signature --pubkey "$work/signer.pub" "$stage/wrong_key.o"
expect verify-arch 0 'good signature' -- \
	"$rkctl" verify --signature --keys "$keys" --arch arm64 "$stage/wrong_arch.o"

start_rkd --config "$conf"
list() { "$rkctl" list --socket "$sock"; }
expect good-runs 0 '^good +running +v1 ' -- list
expect our-board-runs 0 '^our_board +running +v1 ' -- list
expect unsigned 0 "^unsigned +failed +$work/progs/unsigned.o: unsigned: no $work/progs/unsigned.o.sig beside it \(require_signature = on" -- list
expect tampered-object 0 "^tampered_obj +failed +$work/progs/tampered_obj.o: the object does not match its signature \(BLAKE2b differs\): it was altered" -- list
expect tampered-signature 0 "^tampered_sig +failed +$work/progs/tampered_sig.o.sig: bad signature: the Ed25519 signature does not match" -- list
expect wrong-key 0 "^wrong_key +failed .*wrong_key.o.sig: signed by key [0-9a-f]{16}, which is not among the trusted keys in $keys" -- list
expect wrong-arch 0 "^wrong_arch +failed .*wrong_arch.o.sig: wrong arch: signed for arm64, this is x86_64|^wrong_arch +failed .*wrong arch" -- list
expect wrong-board 0 "^wrong_board +failed .*wrong_board.o.sig: wrong board: signed for board 'robot-9' only, this is board 'robot-7'" -- list
grep -q "unsigned: failed: .*unsigned: no .*unsigned.o.sig" "$work/rkd.log" || fail "the refusal is not logged"
passed=$((passed + 1))
expect show-signature 0 '"signature":\{"checked":true,"key":"[0-9a-f]{16}","role":"signer","seq":5,"verified_by":"rkd"\}' -- \
	"$rkctl" show good --json --socket "$sock"
wait_for good-ticks '^good +on_tick +[1-9][0-9]* ' -- "$rkctl" stats --socket "$sock"

# Least privilege: only what loading and running programs needs; no_new_privs.
grep -q 'capabilities kept: cap_perfmon cap_sys_admin cap_sys_ptrace cap_ipc_lock cap_syslog; no_new_privs set' "$work/rkd.log" ||
	fail "rkd did not report the capabilities it kept"
expect cap-effective 0 '^CapEff:	0000004400284000$' -- grep CapEff "/proc/$rkd_pid/status"
expect cap-bounding 0 '^CapBnd:	0000004400284000$' -- grep CapBnd "/proc/$rkd_pid/status"
expect no-new-privs 0 '^NoNewPrivs:	1$' -- grep NoNewPrivs "/proc/$rkd_pid/status"
expect socket-mode 0 '^660$' -- stat -c %a "$sock"

# A .sig that arrives after its object (re)loads it.
sign_as late "$work/signer.key"
cp "$stage/late.o" "$work/progs/late.o"
wait_for late-unsigned '^late +failed .*unsigned: no' -- list
cp "$stage/late.o.sig" "$work/progs/late.o.sig"
wait_for late-signed '^late +running +v1 ' -- list

# Rollback: seq 6 replaces seq 5; seq 5 again is refused and v2 keeps running.
"$rkctl" sign --key "$work/signer.key" --seq 6 "$stage/good.o" >/dev/null || fail "sign seq 6"
cp "$stage/good.o.sig" "$work/progs/good.o.sig"
wait_for seq-6 '^good +running +v2 ' -- list
cp "$work/good-seq5.sig" "$work/progs/good.o.sig"
wait_for replay "^    ! update refused, version 2 keeps running: $work/progs/good.o.sig: rolled back: sequence number 5 is older than 6, the highest accepted for 'good'" -- list
expect state-file 0 '^good 6 [0-9a-f]{64}$' -- cat "$work/state/sequences"
alive "a replayed signature"

# ... also after a restart: the state is on disk.
stop_rkd
start_rkd --config "$conf"
expect replay-after-restart 0 "^good +failed +$work/progs/good.o.sig: rolled back: sequence number 5 is older than 6" -- list
expect others-after-restart 0 '^late +running +v1 ' -- list

# Key rotation: a new key is trusted on the next load, and the old one, once
# removed, no longer is: its objects are refused when they are reloaded.
"$rkctl" keygen --out "$work/new" >/dev/null || fail "keygen new"
cp "$work/new.pub" "$keys/"
"$rkctl" sign --key "$work/new.key" --seq 7 "$stage/good.o" >/dev/null || fail "sign with the new key"
cp "$stage/good.o.sig" "$work/progs/good.o.sig"
wait_for rotation-new-key '^good +running +v1 ' -- list
rm "$keys/signer.pub"
cp "$work/progs/old_key.o.sig" "$work/progs/.tmp" && mv "$work/progs/.tmp" "$work/progs/old_key.o.sig"
wait_for rotation-old-key "^    ! update refused, version 1 keeps running: .*old_key.o.sig: signed by key [0-9a-f]{16}, which is not among the trusted keys" -- list
expect rotation-old-key-load 1 "signed by key [0-9a-f]{16}, which is not among the trusted keys" -- \
	"$rkctl" load "$stage/our_board.o" --socket "$sock"

# Attestation, without trust (the default): a verifier key's object is re-verified.
expect attestation-off 0 '"role":"verifier","seq":1,"verified_by":"rkd"' -- \
	"$rkctl" show by_verifier --json --socket "$sock"
grep -q 'by_verifier: signature good: key [0-9a-f]* (verifier), seq 1, verified by rkd' "$work/rkd.log" ||
	fail "no 'verified by rkd' log line for by_verifier"
passed=$((passed + 1))
stop_rkd

# With trust: the verifier is skipped for a verifier key only.
write_conf "trust_attestation = on"
cp "$work/signer.pub" "$keys/"
start_rkd --config "$conf"
expect attestation-on 0 '"role":"verifier","seq":1,"verified_by":"attestation"' -- \
	"$rkctl" show by_verifier --json --socket "$sock"
grep -q 'by_verifier: signature good: key [0-9a-f]* (verifier), seq 1, verifier skipped: verdict attested' "$work/rkd.log" ||
	fail "no 'verifier skipped' log line for by_verifier"
passed=$((passed + 1))
expect attestation-bound 0 '"name":"on_tick".*"insn_bound":40' -- "$rkctl" show by_verifier --json --socket "$sock"
expect attestation-signer-key 0 '"role":"signer","seq":1,"verified_by":"rkd"' -- \
	"$rkctl" show late --json --socket "$sock"
wait_for attested-runs '^by_verifier +on_tick +[1-9][0-9]* ' -- "$rkctl" stats --socket "$sock"
alive "the whole test"
stop_rkd
summary
