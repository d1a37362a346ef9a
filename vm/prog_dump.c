/*
 * prog_dump.c - rk_prog_dump(): a loaded program as a person reads it,
 * disassembly interleaved with the source lines clang recorded (.BTF.ext)
 * and map references named instead of printed as addresses.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "vm_internal.h"

struct text {
	char *data;
	size_t len;
	size_t cap;
	bool failed;
};

static void text_printf(struct text *text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_printf(struct text *text, const char *fmt, ...)
{
	if (text->failed)
		return;
	for (;;) {
		va_list args;
		va_start(args, fmt);
		int need = vsnprintf(text->data ? text->data + text->len : NULL,
		                     text->data ? text->cap - text->len : 0, fmt, args);
		va_end(args);
		if (need < 0) {
			text->failed = true;
			return;
		}
		if (text->data && text->len + (size_t)need < text->cap) {
			text->len += (size_t)need;
			return;
		}
		size_t cap = text->cap ? text->cap * 2 : 4096;
		while (cap < text->len + (size_t)need + 1)
			cap *= 2;
		char *grown = realloc(text->data, cap);
		if (!grown) {
			text->failed = true;
			return;
		}
		text->data = grown;
		text->cap = cap;
	}
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

int rk_prog_dump(const struct rk_prog *prog, char **text_out, char *err, size_t err_len)
{
	struct text text = {0};
	/* Line info and map references are sorted by instruction: walk them alongside. */
	const struct rk_prog_line *last_line = NULL;
	size_t next_line = 0, next_ref = 0;
	if (prog->meta.name)
		text_printf(&text, "%s (SEC \"%s\"): %zu instructions\n", prog->meta.name,
		            prog->meta.section ? prog->meta.section : "", prog->insn_count);
	for (size_t i = 0; i < prog->insn_count; i++) {
		for (size_t f = 0; f < prog->meta.func_count; f++)
			if (prog->meta.func_starts[f] == i && i != 0)
				text_printf(&text, "<function at %zu>:\n", i);
		const struct rk_prog_line *line = last_line;
		while (next_line < prog->meta.line_count && prog->meta.lines[next_line].insn <= i)
			line = &prog->meta.lines[next_line++];
		bool new_line = line && line->insn == i &&
		                (!last_line || last_line->line != line->line ||
		                 last_line->file != line->file);
		if (new_line) {
			const char *source = line->source ? line->source : "";
			while (*source == ' ' || *source == '\t')
				source++;
			text_printf(&text, "; %s:%u: %s\n", base_name(line->file ? line->file : "?"),
			            line->line, source);
			last_line = line;
		}

		char insn_text[128];
		int slots = rk_disasm_insn(prog->insns, prog->insn_count, i, insn_text,
		                           sizeof(insn_text));
		while (next_ref < prog->meta.map_ref_count && prog->meta.map_refs[next_ref].insn < i)
			next_ref++;
		const struct rk_map_ref *ref = next_ref < prog->meta.map_ref_count &&
		                                       prog->meta.map_refs[next_ref].insn == i
		                                   ? &prog->meta.map_refs[next_ref]
		                                   : NULL;
		if (ref && ref->kind == RK_PSEUDO_CODE_ADDR) {
			snprintf(insn_text, sizeof(insn_text), "lddw %%r%u, code_addr insn %u",
			         prog->insns[i].dst_reg, ref->off);
		} else if (ref) {
			const struct rk_map_def *def = rk_map_def(ref->map);
			if (ref->kind == RK_PSEUDO_MAP_VAL)
				snprintf(insn_text, sizeof(insn_text), "lddw %%r%u, map_value '%s' + %u",
				         prog->insns[i].dst_reg, def->name, ref->off);
			else
				snprintf(insn_text, sizeof(insn_text), "lddw %%r%u, map '%s'",
				         prog->insns[i].dst_reg, def->name);
		}
		if (prog->insns[i].code == RK_OP_CALL && prog->insns[i].src_reg == RK_CALL_HELPER &&
		    (uint32_t)prog->insns[i].imm == RK_CORE_POISON_HELPER)
			snprintf(insn_text, sizeof(insn_text),
			         "call 0x%x (CO-RE relocation failed: stops the run if reached)",
			         RK_CORE_POISON_HELPER);
		text_printf(&text, "%6zu: %s", i, insn_text);
		int64_t target = rk_insn_target(&prog->insns[i], i);
		if (target != RK_NO_TARGET)
			text_printf(&text, "%*s; -> %" PRId64,
			            (int)(strlen(insn_text) < 32 ? 32 - strlen(insn_text) : 1), "", target);
		text_printf(&text, "\n");
		if (slots == 2)
			i++;
	}
	if (text.failed) {
		free(text.data);
		return rk_set_err(err, err_len, -ENOMEM, "out of memory dumping the program");
	}
	*text_out = text.data;
	return 0;
}
