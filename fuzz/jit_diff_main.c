/*
 * jit_diff_main.c - rk-jit-diff: the JIT against the fast interpreter,
 * outside libFuzzer.  Generates programs from a seed (progen.c), keeps the
 * verified ones and mixes in valid unverified ALU/jump programs, runs each
 * on several inputs in both engines from identical states (jit_diff.c) and
 * ends with one line:
 *
 *     rk-jit-diff: N programs (V verified + U unverified), R runs, D divergences
 *
 * Exit 0: no divergence; 1: a divergence (or rk_prog_jit refused a valid
 * program); 2: usage, no JIT on this machine, or rk_prog_jit -ENOTSUP.
 *
 * The one thing to know: program i of a run depends on the seed and i
 * alone, so `--seed S --replay I` shows one program again (add --minimize
 * to shrink a divergence).  A crash or a hang of generated code is caught
 * (signal handler, alarm) and names the program and the replay command.
 * `--engine checked` compares the two interpreters instead: the harness
 * tested without a JIT.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "jit_diff.h"

#define MAX_REPORTS 5
#define MAX_TRIES 200            /* generated programs per index until one verifies */
#define DEFAULT_UNVERIFIED 35    /* percent of indices that get an ALU/jump program */
#define DEFAULT_TIMEOUT 20       /* seconds per program before it counts as a hang */

struct options {
	uint64_t count;
	uint64_t seed;
	double seconds;
	uint64_t replay;
	bool have_replay;
	bool minimize;
	bool keep_going;
	uint64_t max_reports;
	unsigned unverified_percent;
	unsigned timeout;
	enum jd_engine engine;
	const char *asm_file;
	bool asm_unverified;
};

/* What is being checked, for the crash and hang handlers. */
static struct {
	const struct rk_insn *insns;
	size_t insn_count;
	uint64_t seed, index;
	bool unverified;
	bool from_seed;
} current;

static void on_crash(int sig)
{
	/* Not async-signal-safe, but the process is dying: a report is worth the risk. */
	if (current.from_seed)
		fprintf(stdout, "\nrk-jit-diff: %s while running %s program %" PRIu64 " of seed %" PRIu64
		        " (replay: --seed %" PRIu64 " --replay %" PRIu64 ")\n",
		        sig == SIGALRM ? "timeout (a hang?)" : strsignal(sig),
		        current.unverified ? "unverified" : "verified", current.index, current.seed,
		        current.seed, current.index);
	else
		fprintf(stdout, "\nrk-jit-diff: %s\n", sig == SIGALRM ? "timeout" : strsignal(sig));
	if (current.insns) {
		char *text = NULL;
		char err[RK_ERR_LEN];
		if (rk_disasm(current.insns, current.insn_count, &text, err, sizeof(err)) == 0)
			fputs(text, stdout);
		free(text);
	}
	fflush(stdout);
	signal(sig, SIG_DFL);
	if (sig == SIGALRM)
		_exit(1);
	raise(sig);
}

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: rk-jit-diff [--count N] [--seed S] [--seconds T] [--minimize]\n"
	        "                   [--engine jit|checked|fast] [--unverified PERCENT]\n"
	        "                   [--reports N] [--keep-going] [--timeout SECONDS]\n"
	        "       rk-jit-diff --seed S --replay I [--minimize]    one program of a run\n"
	        "       rk-jit-diff --asm FILE [--unverified-asm] [--seed S] [--minimize]\n"
	        "  --engine      what the fast interpreter is compared with (default jit;\n"
	        "                checked/fast test the harness itself)\n"
	        "  --unverified  percent of programs that are unverified ALU/jump ones (default %d)\n"
	        "  --keep-going  count rk_prog_jit -ENOTSUP instead of stopping at the first\n",
	        DEFAULT_UNVERIFIED);
}

static bool parse_u64(const char *text, uint64_t *out)
{
	char *end;
	errno = 0;
	*out = strtoull(text, &end, 0);
	return errno == 0 && end != text && *end == '\0' && text[0] != '-';
}

static int parse_args(int argc, char **argv, struct options *opt)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t number = 0;
		bool ok = true;
		if (!strcmp(arg, "--count") && value)
			ok = parse_u64(value, &opt->count), i++;
		else if (!strcmp(arg, "--seed") && value)
			ok = parse_u64(value, &opt->seed), i++;
		else if (!strcmp(arg, "--seconds") && value)
			opt->seconds = atof(value), i++;
		else if (!strcmp(arg, "--reports") && value)
			ok = parse_u64(value, &opt->max_reports), i++;
		else if (!strcmp(arg, "--replay") && value)
			ok = parse_u64(value, &opt->replay), opt->have_replay = true, i++;
		else if (!strcmp(arg, "--unverified") && value)
			ok = parse_u64(value, &number) && number <= 100,
			opt->unverified_percent = (unsigned)number, i++;
		else if (!strcmp(arg, "--timeout") && value)
			ok = parse_u64(value, &number) && number < 100000, opt->timeout = (unsigned)number,
			i++;
		else if (!strcmp(arg, "--asm") && value)
			opt->asm_file = value, i++;
		else if (!strcmp(arg, "--engine") && value) {
			i++;
			if (!strcmp(value, "jit"))
				opt->engine = JD_ENGINE_JIT;
			else if (!strcmp(value, "checked"))
				opt->engine = JD_ENGINE_CHECKED;
			else if (!strcmp(value, "fast"))
				opt->engine = JD_ENGINE_FAST;
			else
				ok = false;
		} else if (!strcmp(arg, "--unverified-asm"))
			opt->asm_unverified = true;
		else if (!strcmp(arg, "--minimize"))
			opt->minimize = true;
		else if (!strcmp(arg, "--keep-going"))
			opt->keep_going = true;
		else if (!strcmp(arg, "--help") || !strcmp(arg, "-h"))
			return usage(stdout), 1;
		else
			ok = false;
		if (!ok) {
			fprintf(stderr, "rk-jit-diff: bad or incomplete option %s\n", arg);
			usage(stderr);
			return -1;
		}
	}
	return 0;
}

/* Shrink a diverging program and print the result. */
static void minimize_and_report(struct jd_env *env, const struct pg_prog *prog, bool verify,
                                uint64_t input_seed)
{
	struct rk_insn *small = malloc(prog->insn_count * sizeof(*small));
	if (!small)
		return;
	memcpy(small, prog->insns, prog->insn_count * sizeof(*small));
	size_t count = prog->insn_count;
	jd_minimize(env, small, &count, verify, input_seed, verify ? 0 : prog->prologue_slots);
	printf("==== minimised: %zu of %zu slots (input seed %" PRIu64 ") ====\n", count,
	       prog->insn_count, input_seed);
	jd_check(env, small, count, verify, input_seed, NULL, stdout);
	free(small);
}

static int check_asm(struct jd_env *env, const struct options *opt)
{
	char *text = harness_read_file("rk-jit-diff", opt->asm_file);
	if (!text)
		return 2;
	struct rk_insn *insns = NULL;
	size_t insn_count = 0;
	char err[RK_ERR_LEN];
	int rc = rk_asm(text, &insns, &insn_count, err, sizeof(err));
	free(text);
	if (rc != 0) {
		fprintf(stderr, "rk-jit-diff: %s: %s\n", opt->asm_file, err);
		return 2;
	}
	bool verify = !opt->asm_unverified;
	struct jd_stats stats = {0};
	current.insns = insns;
	current.insn_count = insn_count;
	enum jd_verdict verdict = jd_check(env, insns, insn_count, verify, opt->seed, &stats, stdout);
	if (verdict == JD_REJECTED || verdict == JD_INVALID)
		printf("rk-jit-diff: %s: %s (try --unverified-asm)\n", opt->asm_file,
		       verdict == JD_REJECTED ? "the verifier rejects it" : "not loadable");
	if (verdict == JD_DIVERGED && opt->minimize) {
		struct pg_prog *prog = calloc(1, sizeof(*prog));
		if (prog && insn_count <= PG_MAX_INSNS) {
			memcpy(prog->insns, insns, insn_count * sizeof(*insns));
			prog->insn_count = insn_count;
			minimize_and_report(env, prog, verify, opt->seed);
		}
		free(prog);
	}
	jd_stats_print(stdout, "rk-jit-diff", &stats);
	free(insns);
	return verdict == JD_NO_JIT ? 2 : verdict == JD_SAME ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct options opt = {.count = 10000, .seed = 1, .max_reports = MAX_REPORTS,
	                      .unverified_percent = DEFAULT_UNVERIFIED, .timeout = DEFAULT_TIMEOUT};
	int parsed = parse_args(argc, argv, &opt);
	if (parsed)
		return parsed > 0 ? 0 : 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	signal(SIGFPE, on_crash);
	signal(SIGILL, on_crash);
	signal(SIGTRAP, on_crash);
	signal(SIGABRT, on_crash);
	signal(SIGALRM, on_crash);

	if (opt.engine == JD_ENGINE_JIT && !rk_jit_arch()) {
		printf("rk-jit-diff: this machine has no JIT (rk_jit_arch() is NULL): nothing to "
		       "compare (--engine checked tests the harness)\n");
		return 2;
	}
	const char *against = opt.engine == JD_ENGINE_JIT ? rk_jit_arch() : jd_engine_name(opt.engine);
	struct jd_env *env;
	char err[RK_ERR_LEN];
	if (jd_env_new(&env, opt.engine, err, sizeof(err)) != 0) {
		fprintf(stderr, "rk-jit-diff: environment: %s\n", err);
		return 2;
	}
	if (opt.asm_file) {
		int rc = check_asm(env, &opt);
		jd_env_free(env);
		return rc;
	}

	struct pg_prog *prog = malloc(sizeof(*prog));
	if (!prog)
		return 2;
	struct jd_stats stats = {0};
	uint64_t reports = 0, gave_up = 0;
	uint64_t first = opt.have_replay ? opt.replay : 0;
	uint64_t last = opt.have_replay ? opt.replay + 1 : opt.count;
	double start = harness_now_seconds(), last_progress = start;
	int status = 0;
	current.seed = opt.seed;
	current.from_seed = true;
	current.insns = prog->insns;
	for (uint64_t index = first; index < last; index++) {
		uint64_t pseed = harness_program_seed(opt.seed, index);
		struct pg_rand rand;
		pg_rand_seed(&rand, pseed);
		bool unverified = pg_below(&rand, 100) < opt.unverified_percent;
		FILE *report = reports < opt.max_reports || opt.have_replay ? stdout : NULL;
		current.index = index;
		current.unverified = unverified;
		alarm(opt.timeout);
		enum jd_verdict verdict = JD_REJECTED;
		for (unsigned tries = 0; tries < MAX_TRIES; tries++) {
			current.insn_count = 0;
			if (unverified)
				pg_generate_alu(&rand, prog);
			else
				pg_generate_jit(&rand, prog);
			current.insn_count = prog->insn_count;
			verdict = jd_check(env, prog->insns, prog->insn_count, !unverified, pseed, &stats,
			                   report);
			if (verdict != JD_REJECTED && verdict != JD_INVALID)
				break;
		}
		alarm(0);
		if (opt.have_replay && verdict == JD_SAME) {
			char *text = NULL;
			if (rk_disasm(prog->insns, prog->insn_count, &text, err, sizeof(err)) == 0)
				printf("==== program %" PRIu64 " of seed %" PRIu64 " (%s): no divergence\n%s",
				       index, opt.seed, unverified ? "unverified" : "verified", text);
			free(text);
		}
		switch (verdict) {
		case JD_REJECTED:
		case JD_INVALID:
			gave_up++;
			break;
		case JD_SAME:
			break;
		case JD_DIVERGED:
		case JD_JIT_REFUSED:
			status = 1;
			if (report) {
				reports++;
				printf("(replay: build/rk-jit-diff --seed %" PRIu64 " --replay %" PRIu64
				       "%s)\n", opt.seed, index, opt.minimize ? "" : " --minimize");
				if (opt.minimize && verdict == JD_DIVERGED)
					minimize_and_report(env, prog, !unverified, pseed);
			}
			break;
		case JD_NO_JIT:
			if (!opt.keep_going) {
				printf("rk-jit-diff: rk_prog_jit() is not ready on %s: -ENOTSUP for program "
				       "%" PRIu64 " of seed %" PRIu64 ": %s\n"
				       "rk-jit-diff: nothing compared; --keep-going counts these and goes on\n",
				       against, index, opt.seed, jd_last_jit_error(env));
				jd_stats_print(stdout, "rk-jit-diff", &stats);
				free(prog);
				jd_env_free(env);
				return 2;
			}
			break;
		}
		double t = harness_now_seconds();
		if (t - last_progress >= 10) {
			last_progress = t;
			fprintf(stderr, "rk-jit-diff: %.0fs: %" PRIu64 " programs, %" PRIu64
			        " divergences\n", t - start, stats.programs, stats.divergences);
		}
		if (opt.seconds > 0 && t - start >= opt.seconds)
			break;
	}
	double elapsed = harness_now_seconds() - start;
	printf("rk-jit-diff: interp vs %s, seed %" PRIu64 ", %.1f s, %" PRIu64
	       " generated programs skipped (%" PRIu64 " rejected by the verifier, %" PRIu64
	       " too long to run), %.1f slots/program, %" PRIu64
	       " helper calls, %" PRIu64 " runs aborted by a helper, %.0f native bytes/program\n",
	       against, opt.seed, elapsed, stats.rejected, stats.rejected - stats.too_long,
	       stats.too_long,
	       stats.programs ? (double)stats.slots / (double)stats.programs : 0.0,
	       stats.helper_calls, stats.aborted_runs,
	       stats.programs ? (double)stats.jit_bytes / (double)stats.programs : 0.0);
	if (gave_up)
		printf("rk-jit-diff: %" PRIu64 " indices found no verified program in %d tries\n",
		       gave_up, MAX_TRIES);
	if (stats.jit_refused)
		printf("rk-jit-diff: rk_prog_jit refused %" PRIu64 " valid programs\n",
		       stats.jit_refused);
	if (stats.no_jit) {
		printf("rk-jit-diff: rk_prog_jit -ENOTSUP on %" PRIu64 " programs (not compared)\n",
		       stats.no_jit);
		if (status == 0)
			status = 2;
	}
	jd_stats_print(stdout, "rk-jit-diff", &stats);
	free(prog);
	jd_env_free(env);
	return status;
}
