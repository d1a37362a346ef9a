/*
 * test_verify_corpus.c - every program the loader's corpus and the examples
 * hold is accepted by the verifier (issue 5: "every program of the loader's
 * corpus and every example is accepted"), except the ones written to reach
 * a failed CO-RE relocation, which must be rejected for exactly that.
 *
 * Accepted programs are then run in the checked interpreter on random
 * contexts: none may trip a check or run more instructions than the bound
 * the verifier reported.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/common/file_io.h"
#include "rkbpf.h"

/* Programs that reach a CO-RE relocation which failed against vmlinux, on purpose. */
static const char *const poisoned[] = {"read_pending", "enum_value", "enum_signs",
                                       "read_missing", "read_sample"};

static bool is_poisoned(const char *name)
{
	for (size_t k = 0; k < sizeof(poisoned) / sizeof(poisoned[0]); k++)
		if (strcmp(poisoned[k], name) == 0)
			return true;
	return false;
}

static struct rk_btf *vmlinux(void)
{
	uint8_t *data;
	size_t len;
	char err[RK_ERR_LEN];
	if (rk_file_read("/sys/kernel/btf/vmlinux", &data, &len, err, sizeof(err)))
		return NULL;
	struct rk_btf *btf = NULL;
	rk_btf_parse(data, len, &btf, err, sizeof(err));
	free(data);
	return btf;
}

/* The context the corpus's tracepoint programs get: a 4 KiB read-only record. */
static const struct rk_ctx_desc record_ctx = {.name = "test record", .size = 4096};

static unsigned verify_dir(const char *dir, const struct rk_btf *btf, unsigned *rejected)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "%s: run make test-bpf examples", dir);
	unsigned accepted = 0;
	struct dirent *entry;
	while ((entry = readdir(d))) {
		size_t n = strlen(entry->d_name);
		if (n < 3 || strcmp(entry->d_name + n - 2, ".o") != 0 ||
		    strcmp(entry->d_name, "obj_undefined_map.o") == 0 ||
		    strncmp(entry->d_name, "bad_", 4) == 0) /* bad_*: unsafe on purpose */
			continue;
		char path[600], err[RK_VERIFY_ERR_LEN];
		snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
		uint8_t *data;
		size_t len;
		cr_assert_eq(rk_file_read(path, &data, &len, err, sizeof(err)), 0, "%s", err);
		struct rk_obj_opts opts = {.name = entry->d_name, .target_btf = btf};
		struct rk_obj *obj = NULL;
		cr_assert_eq(rk_obj_load(data, len, &opts, &obj, err, sizeof(err)), 0, "%s", err);
		free(data);
		for (size_t p = 0; p < rk_obj_prog_count(obj); p++) {
			struct rk_prog *prog = rk_obj_prog(obj, p);
			bool data_prog = strcmp(rk_prog_section(prog), "data") == 0;
			struct rk_verify_opts vopts = {.ctx = data_prog ? &rk_ctx_desc_data : &record_ctx};
			struct rk_verify_result result;
			int rc = rk_verify(prog, &vopts, &result, err, sizeof(err));
			if (is_poisoned(rk_prog_name(prog))) {
				cr_expect_eq(rc, -EACCES, "%s: %s should be rejected", path,
				             rk_prog_name(prog));
				cr_expect(strstr(err, "CO-RE relocation failed"), "%s: %s", path, err);
				(*rejected)++;
				continue;
			}
			cr_expect_eq(rc, 0, "%s: %s: %s", path, rk_prog_name(prog), err);
			if (rc)
				continue;
			accepted++;
			/* Checked runs on random contexts: nothing trips, the bound holds. */
			size_t ctx_len = vopts.ctx->size;
			uint8_t *ctx = calloc(1, ctx_len);
			for (int run = 0; run < 8; run++) {
				for (size_t b = 0; b < ctx_len && run; b++)
					ctx[b] = (uint8_t)rand();
				struct rk_run_opts ropts = {.mode = RK_EXEC_CHECKED, .ctx_writable = data_prog,
				                            .insn_limit = result.insn_bound + 1};
				struct rk_run_result rr;
				rk_prog_run(prog, ctx, ctx_len, &ropts, &rr);
				cr_expect(rr.stop == RK_STOP_EXIT || rr.stop == RK_STOP_ABORTED,
				          "%s: %s tripped the checked interpreter: %s", path,
				          rk_prog_name(prog), rr.message);
				cr_expect_leq(rr.insns_executed, result.insn_bound,
				              "%s: %s ran %llu instructions, bound %llu", path,
				              rk_prog_name(prog), (unsigned long long)rr.insns_executed,
				              (unsigned long long)result.insn_bound);
			}
			free(ctx);
		}
		rk_obj_free(obj);
	}
	closedir(d);
	return accepted;
}

Test(verify_corpus, every_corpus_program_and_example_is_accepted)
{
	struct rk_btf *btf = vmlinux();
	unsigned rejected = 0;
	unsigned accepted = verify_dir(RK_BUILD_DIR "/tests/bpf", btf, &rejected);
	accepted += verify_dir(RK_BUILD_DIR "/examples", btf, &rejected);
	cr_expect_geq(accepted, 27, "only %u programs accepted", accepted);
	if (btf)
		cr_expect_eq(rejected, 5, "%u poisoned programs rejected", rejected);
	rk_btf_free(btf);
}
