/*
 * verify_cases.h - the verifier's hand-written soundness suite: one case
 * is a program in assembly, the verdict rk_verify() must give it and, for
 * a rejection, the instruction and the words the message must contain.
 *
 * Every case runs against the same fixture (verify_cases.c): six maps and
 * a 64-byte robot context.  An accepted case is also run on the checked
 * interpreter with random contexts: it must never trip a check and never
 * run more instructions than the verifier's bound.  That ties the
 * must-accept list to the oracle; the must-reject list (test_verify.c) and
 * the must-accept list (test_verify_accept.c) share everything here.
 *
 * The fixture's maps, by index (lddw %rN, map_by_fd K):
 *   0 "values"  array, key 4, value 16, 4 entries
 *   1 "table"   hash, key 8, value 8, 16 entries
 *   2 "events"  ringbuf, 4096 bytes
 *   3 ".rodata" array, key 4, value 16, 1 entry, BPF_F_RDONLY_PROG:
 *               "speed %d\n\0" at 0 (10 bytes), "abcdef" at 10 (no NUL)
 *   4 "progs"   prog_array, 4 entries
 *   5 "samples" timeseries, key 4, value 8 (an int64 sample)
 *   6 "consts"  array, key 4, value 8, 2 entries, BPF_F_RDONLY_PROG:
 *               entry 0 "%d\n\0", entry 1 "ABCDEFGH" (no NUL)
 *
 * The context ("struct robot_ctx", 64 bytes, r1 at entry):
 *   0..7    sensor readings (read-only)
 *   8..15   the command (writable)
 *   16..23  pointer field "scan": 32 writable bytes
 *   24..31  pointer field "calib": 16 read-only bytes
 *   32..63  more readings (read-only)
 */
#ifndef RK_TEST_VERIFY_CASES_H
#define RK_TEST_VERIFY_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rkbpf.h"

/* BPF_F_RDONLY_PROG: the program may read the map's values, never write them. */
#define VERIFY_F_RDONLY_PROG (1u << 7)

enum {
	VERIFY_MAP_VALUES = 0,
	VERIFY_MAP_TABLE,
	VERIFY_MAP_EVENTS,
	VERIFY_MAP_RODATA,
	VERIFY_MAP_PROGS,
	VERIFY_MAP_SAMPLES,
	VERIFY_MAP_CONSTS,
	VERIFY_MAP_COUNT
};

#define VERIFY_CTX_SIZE 64u
#define VERIFY_CTX_CMD_OFF 8u       /* the writable bytes: [8, 16) */
#define VERIFY_CTX_CMD_LEN 8u
#define VERIFY_CTX_SCAN_OFF 16u     /* pointer to VERIFY_SCAN_SIZE writable bytes */
#define VERIFY_SCAN_SIZE 32u
#define VERIFY_CTX_CALIB_OFF 24u    /* pointer to VERIFY_CALIB_SIZE read-only bytes */
#define VERIFY_CALIB_SIZE 16u

/* error_insn when the rejection names no instruction. */
#define VERIFY_NO_INSN SIZE_MAX
/* Any instruction will do (where a work limit stops the analysis, say). */
#define VERIFY_ANY_INSN (SIZE_MAX - 1)

/*
 * r9 = ctx; r0 = bpf_map_lookup_elem(&values, &(u32){0}); NULL goes to
 * "out".  Eight slots: the code after it starts at insn 8.
 */
#define VERIFY_LOOKUP_VALUES                                                                   \
	"mov %r9, %r1\n"            /* 0 */                                                   \
	"stw [%r10-4], 0\n"         /* 1 */                                                   \
	"mov %r2, %r10\n"           /* 2 */                                                   \
	"add %r2, -4\n"             /* 3 */                                                   \
	"lddw %r1, map_by_fd 0\n"   /* 4-5 */                                                 \
	"call 1\n"                  /* 6 */                                                   \
	"jeq %r0, 0, out\n"         /* 7 */

/*
 * r9 = ctx; r0 = bpf_ringbuf_reserve(&events, 16, 0), not yet checked.
 * Six slots: the code after it starts at insn 6.
 */
#define VERIFY_RESERVE_16                                                                      \
	"mov %r9, %r1\n"            /* 0 */                                                   \
	"lddw %r1, map_by_fd 2\n"   /* 1-2 */                                                 \
	"mov %r2, 16\n"             /* 3 */                                                   \
	"mov %r3, 0\n"              /* 4 */                                                   \
	"call 131\n"                /* 5 */

enum verify_verdict {
	VERIFY_ACCEPT = 0,
	VERIFY_REJECT,     /* rk_verify() returns -EACCES */
	VERIFY_TOO_COMPLEX,/* rk_verify() returns -E2BIG */
	VERIFY_LOAD_FAILS, /* rk_prog_new_maps() refuses it before the verifier runs */
};

struct verify_case {
	const char *name;
	const char *source;         /* bpf_conformance assembly */
	enum verify_verdict verdict;
	size_t insn;                /* rejected: the instruction the message names */
	const char *message;        /* rejected: a substring of the message */
	bool no_ctx;                /* the program gets no context: r1 is a number */
};

/* Everything a case's program may refer to. */
struct verify_fixture {
	struct rk_map *maps[VERIFY_MAP_COUNT];
	struct rk_ctx_desc ctx_desc;
	_Alignas(8) uint8_t ctx[VERIFY_CTX_SIZE];
	_Alignas(8) uint8_t scan[VERIFY_SCAN_SIZE];
	_Alignas(8) uint8_t calib[VERIFY_CALIB_SIZE];
};

void verify_fixture_init(struct verify_fixture *fixture);
void verify_fixture_fini(struct verify_fixture *fixture);

/* What happened to a case; filled without asserting anything. */
struct verify_outcome {
	int load_rc;                 /* rk_asm + rk_prog_new_maps */
	int verify_rc;
	struct rk_verify_result result;
	char message[RK_VERIFY_ERR_LEN];
	/* Accepted: the checked runs. */
	unsigned runs;
	int run_rc;                  /* the first run that went wrong, else 0 */
	struct rk_run_result run;    /* that run (or the last one) */
	uint64_t most_executed;
};

#define VERIFY_RANDOM_RUNS 6

/* Build, verify, and (when accepted) run the case; never asserts. */
void verify_case_eval(const struct verify_case *c, struct verify_outcome *out);

/* verify_case_eval() and Criterion assertions of everything the case promises. */
void verify_case_check(const struct verify_case *c);

/* One Criterion test per case: suite "verify", test named after the case. */
#define VERIFY_REJECT_CASE(test_name, insn_index, expected, ...)                             \
	Test(verify, test_name)                                                                 \
	{                                                                                       \
		static const struct verify_case c = {.name = #test_name, .verdict = VERIFY_REJECT, \
		                                     .insn = (insn_index), .message = (expected),   \
		                                     __VA_ARGS__};                                  \
		verify_case_check(&c);                                                          \
	}

/* Refused by rk_asm() or rk_prog_new_maps(), before the verifier: the loader's message. */
#define VERIFY_LOAD_FAILS_CASE(test_name, insn_index, expected, ...)                         \
	Test(verify, test_name)                                                                 \
	{                                                                                       \
		static const struct verify_case c = {.name = #test_name,                           \
		                                     .verdict = VERIFY_LOAD_FAILS,                  \
		                                     .insn = (insn_index), .message = (expected),   \
		                                     __VA_ARGS__};                                  \
		verify_case_check(&c);                                                          \
	}

#define VERIFY_ACCEPT_CASE(test_name, ...)                                                   \
	Test(verify, test_name)                                                                 \
	{                                                                                       \
		static const struct verify_case c = {.name = #test_name, .verdict = VERIFY_ACCEPT, \
		                                     __VA_ARGS__};                                  \
		verify_case_check(&c);                                                          \
	}

/*
 * Known verifier bugs: the case states the right verdict, and the test is
 * disabled until the verifier is fixed (then move it to the list above).
 * To run them (a separate tree, so that the normal build keeps them off):
 *   make BUILD=build/bugs EXTRA_CFLAGS=-DVERIFY_RUN_KNOWN_BUGS=1 build/bugs/rk-tests
 *   build/bugs/rk-tests --filter 'verify_known_bugs/'"*"
 */
#ifndef VERIFY_RUN_KNOWN_BUGS
#define VERIFY_RUN_KNOWN_BUGS 0
#endif

#define VERIFY_BUG_CASE(test_name, verdict_, insn_index, expected, ...)                      \
	Test(verify_known_bugs, test_name, .disabled = !VERIFY_RUN_KNOWN_BUGS)                  \
	{                                                                                       \
		static const struct verify_case c = {.name = #test_name, .verdict = (verdict_),    \
		                                     .insn = (insn_index), .message = (expected),   \
		                                     __VA_ARGS__};                                  \
		verify_case_check(&c);                                                          \
	}

#endif
