/*
 * obj_minimal.bpf.c - the smallest object with every kind of section the
 * loader reads: a program, a global variable (.data, relocated), BTF,
 * line info and a license.  The truncation test loads every prefix of it,
 * and it seeds fuzz_elf.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int answer = 42;

SEC("tracepoint/test/minimal")
int minimal(void *ctx)
{
	return answer;
}

char LICENSE[] SEC("license") = "GPL";
