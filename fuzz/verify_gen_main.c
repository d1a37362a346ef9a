/*
 * verify_gen_main.c - rk-verify-gen: the verifier's soundness run outside
 * libFuzzer.  Generates programs from a seed (progen.c), verifies each,
 * runs every accepted one in the checked interpreter (verify_oracle.c) and
 * ends with one line:
 *
 *     verify-gen: N programs, A accepted, R rejected, X escaped
 *
 * exiting 1 when X > 0.  `make test` runs a short, fixed-seed pass; the long
 * run is e.g.
 *
 *     build/rk-verify-gen --count 5000000 --seed $RANDOM --minimize
 *
 * Program i of a run is generated from seed S and i alone, so an escape is
 * replayed with `--seed S --replay i`.  An assembler file (the syntax of
 * rk_asm, "lddw %r1, map_by_fd 0" for the maps of progen.h) is checked in
 * the same environment with `--asm FILE`.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "progen.h"

/* Escapes printed in full by default; the rest are counted. */
#define MAX_REPORTS 10
#define MAX_REASONS 512

struct options {
	uint64_t count;
	uint64_t seed;
	double seconds;           /* 0: no time limit */
	bool minimize;
	bool stop_on_escape;
	bool reasons;
	bool verbose;
	bool have_replay;
	uint64_t max_reports;
	uint64_t replay;
	const char *asm_file;
};

/* What is being checked, for the crash handler. */
static struct {
	const struct rk_insn *insns;
	size_t insn_count;
	uint64_t seed, index;
} current;

static void on_crash(int sig)
{
	/* Not async-signal-safe, but the process is dying: a report is worth the risk. */
	fprintf(stderr, "\nverify-gen: signal %d while checking program %" PRIu64 " of seed %" PRIu64
	        " (replay: --seed %" PRIu64 " --replay %" PRIu64 ")\n",
	        sig, current.index, current.seed, current.seed, current.index);
	if (current.insns) {
		char *text = NULL;
		char err[RK_ERR_LEN];
		if (rk_disasm(current.insns, current.insn_count, &text, err, sizeof(err)) == 0)
			fputs(text, stderr);
		free(text);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---- rejection reasons: messages with the numbers taken out ---- */

struct reason {
	char text[96];
	uint64_t count;
};
static struct reason reasons[MAX_REASONS];
static size_t reason_count;

static void count_reason(const char *msg)
{
	char key[96];
	size_t n = 0;
	/* Skip "insn N: ". */
	const char *colon = strstr(msg, ": ");
	if (colon && strncmp(msg, "insn ", 5) == 0)
		msg = colon + 2;
	for (const char *p = msg; *p && n + 1 < sizeof(key); p++) {
		if ((*p >= '0' && *p <= '9') || (*p == '-' && p[1] >= '0' && p[1] <= '9')) {
			if (n == 0 || key[n - 1] != '#')
				key[n++] = '#';
			continue;
		}
		if (*p == '(' || *p == '[')
			break; /* register states vary endlessly */
		key[n++] = *p;
	}
	key[n] = '\0';
	for (size_t k = 0; k < reason_count; k++) {
		if (strcmp(reasons[k].text, key) == 0) {
			reasons[k].count++;
			return;
		}
	}
	if (reason_count < MAX_REASONS) {
		snprintf(reasons[reason_count].text, sizeof(reasons[0].text), "%s", key);
		reasons[reason_count++].count = 1;
	}
}

static int by_count(const void *a, const void *b)
{
	const struct reason *x = a, *y = b;
	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

static void print_reasons(uint64_t rejected)
{
	qsort(reasons, reason_count, sizeof(reasons[0]), by_count);
	fprintf(stderr, "rejections by reason:\n");
	for (size_t k = 0; k < reason_count && k < 40; k++)
		fprintf(stderr, "  %5.1f%%  %s\n", 100.0 * (double)reasons[k].count / (double)rejected,
		        reasons[k].text);
}

/* ---- modes ---- */

static void report_escape(struct pg_env *env, const struct rk_insn *insns, size_t insn_count,
                          uint64_t input_seed, const struct pg_outcome *outcome, bool minimize)
{
	pg_report(stdout, insns, insn_count, outcome);
	if (!minimize)
		return;
	struct rk_insn *small = malloc(insn_count * sizeof(*small));
	if (!small)
		return;
	memcpy(small, insns, insn_count * sizeof(*small));
	size_t small_count = insn_count;
	pg_minimize(env, small, &small_count, input_seed);
	struct pg_outcome *again = malloc(sizeof(*again));
	if (again) {
		pg_check(env, small, small_count, input_seed, NULL, again);
		printf("==== minimised (input seed %" PRIu64 ") ====\n", input_seed);
		pg_report(stdout, small, small_count, again);
		free(again);
	}
	free(small);
}

static int check_asm_file(struct pg_env *env, const struct options *opt)
{
	char *text = harness_read_file("verify-gen", opt->asm_file);
	if (!text)
		return 2;
	struct rk_insn *insns = NULL;
	size_t insn_count = 0;
	char err[RK_ERR_LEN];
	if (rk_asm(text, &insns, &insn_count, err, sizeof(err)) != 0) {
		fprintf(stderr, "verify-gen: %s: %s\n", opt->asm_file, err);
		free(text);
		return 2;
	}
	free(text);
	struct pg_outcome *outcome = malloc(sizeof(*outcome));
	struct pg_stats stats = {0};
	if (!outcome)
		return 2;
	current.insns = insns;
	current.insn_count = insn_count;
	pg_check(env, insns, insn_count, opt->seed, &stats, outcome);
	if (outcome->verdict == PG_ESCAPED)
		report_escape(env, insns, insn_count, opt->seed, outcome, opt->minimize);
	else
		pg_report(stdout, insns, insn_count, outcome);
	pg_stats_print(stdout, "verify-gen", &stats);
	int rc = stats.escaped ? 1 : 0;
	free(outcome);
	free(insns);
	return rc;
}

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: rk-verify-gen [--count N] [--seed S] [--seconds T] [--minimize]\n"
	        "                     [--stop-on-escape] [--reasons] [--verbose] [--reports N]\n"
	        "                     [--avoid ptr-cmp]  (leave out a shape with a known bug)\n"
	        "       rk-verify-gen --seed S --replay I [--minimize]   one program of a run\n"
	        "       rk-verify-gen --asm FILE [--seed S] [--minimize] an assembler program\n");
}

static bool parse_u64(const char *text, uint64_t *out)
{
	char *end;
	errno = 0;
	*out = strtoull(text, &end, 0);
	return errno == 0 && end != text && *end == '\0';
}

int main(int argc, char **argv)
{
	struct options opt = {.count = 100000, .seed = 1, .max_reports = MAX_REPORTS};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = true;
		if (!strcmp(arg, "--count") && value)
			ok = parse_u64(value, &opt.count), i++;
		else if (!strcmp(arg, "--seed") && value)
			ok = parse_u64(value, &opt.seed), i++;
		else if (!strcmp(arg, "--seconds") && value)
			opt.seconds = atof(value), i++;
		else if (!strcmp(arg, "--reports") && value)
			ok = parse_u64(value, &opt.max_reports), i++;
		else if (!strcmp(arg, "--replay") && value)
			ok = parse_u64(value, &opt.replay), opt.have_replay = true, i++;
		else if (!strcmp(arg, "--asm") && value)
			opt.asm_file = value, i++;
		else if (!strcmp(arg, "--avoid") && value)
			ok = !strcmp(value, "ptr-cmp"), pg_avoid |= PG_AVOID_PTR_CMP, i++;
		else if (!strcmp(arg, "--minimize"))
			opt.minimize = true;
		else if (!strcmp(arg, "--stop-on-escape"))
			opt.stop_on_escape = true;
		else if (!strcmp(arg, "--reasons"))
			opt.reasons = true;
		else if (!strcmp(arg, "--verbose"))
			opt.verbose = true;
		else if (!strcmp(arg, "--help") || !strcmp(arg, "-h"))
			return usage(stdout), 0;
		else
			ok = false;
		if (!ok) {
			usage(stderr);
			return 2;
		}
	}
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	signal(SIGFPE, on_crash);
	signal(SIGABRT, on_crash);
	setvbuf(stdout, NULL, _IOLBF, 0);

	struct pg_env *env;
	char err[RK_ERR_LEN];
	if (pg_env_new(&env, err, sizeof(err)) != 0) {
		fprintf(stderr, "verify-gen: environment: %s\n", err);
		return 2;
	}
	if (opt.asm_file) {
		int rc = check_asm_file(env, &opt);
		pg_env_free(env);
		return rc;
	}

	struct pg_prog *prog = malloc(sizeof(*prog));
	struct pg_outcome *outcome = malloc(sizeof(*outcome));
	if (!prog || !outcome)
		return 2;
	struct pg_stats stats = {0};
	uint64_t mutated = 0, slots = 0, reports = 0;
	uint64_t first = opt.have_replay ? opt.replay : 0;
	uint64_t last = opt.have_replay ? opt.replay + 1 : opt.count;
	double start = harness_now_seconds(), last_progress = start;
	current.seed = opt.seed;
	current.insns = prog->insns;
	for (uint64_t index = first; index < last; index++) {
		uint64_t pseed = harness_program_seed(opt.seed, index);
		struct pg_rand rand;
		pg_rand_seed(&rand, pseed);
		current.index = index;
		current.insn_count = 0;
		pg_generate(&rand, prog);
		current.insn_count = prog->insn_count;
		mutated += prog->mutations != 0;
		slots += prog->insn_count;
		enum pg_verdict verdict =
			pg_check(env, prog->insns, prog->insn_count, pseed, &stats, outcome);
		if (verdict == PG_REJECTED && opt.reasons)
			count_reason(outcome->verify_err);
		if (opt.have_replay || (opt.verbose && verdict != PG_ESCAPED)) {
			printf("==== program %" PRIu64 " of seed %" PRIu64 "\n", index, opt.seed);
			pg_report(stdout, prog->insns, prog->insn_count, outcome);
		}
		if (verdict == PG_ESCAPED) {
			if (reports++ < opt.max_reports || opt.have_replay) {
				printf("==== ESCAPE: program %" PRIu64 " of seed %" PRIu64
				       " (replay: --seed %" PRIu64 " --replay %" PRIu64 ")\n",
				       index, opt.seed, opt.seed, index);
				report_escape(env, prog->insns, prog->insn_count, pseed, outcome,
				              opt.minimize);
			}
			if (opt.stop_on_escape)
				break;
		}
		double t = harness_now_seconds();
		if (t - last_progress >= 10) {
			last_progress = t;
			fprintf(stderr, "verify-gen: %.0fs: %" PRIu64 " programs, %" PRIu64
			        " accepted, %" PRIu64 " escaped\n",
			        t - start, stats.programs, stats.accepted, stats.escaped);
		}
		if (opt.seconds > 0 && t - start >= opt.seconds)
			break;
	}
	double elapsed = harness_now_seconds() - start;
	if (opt.reasons && stats.rejected)
		print_reasons(stats.rejected);
	printf("verify-gen: seed %" PRIu64 ", %.1f s (%.0f programs/min), %.1f%% accepted, "
	       "%" PRIu64 " too complex, %" PRIu64 " mutated, %.1f slots/program, "
	       "%" PRIu64 " checked runs, %.1f insns/run\n",
	       opt.seed, elapsed, elapsed > 0 ? (double)stats.programs * 60 / elapsed : 0.0,
	       stats.programs ? 100.0 * (double)stats.accepted / (double)stats.programs : 0.0,
	       stats.too_complex, mutated,
	       stats.programs ? (double)slots / (double)stats.programs : 0.0, stats.runs,
	       stats.runs ? (double)stats.insns_run / (double)stats.runs : 0.0);
	if (stats.invalid)
		printf("verify-gen: %" PRIu64 " programs were not loadable (counted as rejected)\n",
		       stats.invalid);
	stats.rejected += stats.invalid;
	pg_stats_print(stdout, "verify-gen", &stats);
	free(prog);
	free(outcome);
	pg_env_free(env);
	return stats.escaped ? 1 : 0;
}
