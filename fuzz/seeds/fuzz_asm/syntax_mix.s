# every operand shape of the syntax, with the spacing variants it accepts
start: mov32 %r0, 0xffffffff
	lddw %r1, -1
  ldxsw %r2, [ %r10 - 8 ]
stdw [%r10-16], -2147483648
lock fetch xor32 [%r10-8], %r2   # trailing comment
lock xchg [%r10-16], %r3
jsle32 %r0, %r2, +1
ja32 end
call helper 7
call runtime 3
call %r9
call local start
movsx1664 %r4, %r5
smod %r4, -3
swap16 %r4
jset %r4, 0x80000000, exit
neg32 %r4
exit
end:
ja -1
