/*
 * fuzz_hook_section.c - libFuzzer target for rk_hook_parse_section():
 * arbitrary section names in.  hooks/ is not in librkbpf, so the parser's
 * one file is compiled in here.
 *
 * Invariants (abort() when broken, so that libFuzzer keeps the input):
 *   - the result is 0 with an empty err, or -EINVAL with a one-line err
 *     that quotes the section (or says it is empty);
 *   - an accepted spec has terminated strings that fit its arrays, a kind
 *     that matches the section's prefix, and a timer period > 0;
 *   - parsing is deterministic: the same section gives the same spec.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../hooks/hook_section.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Sections are short; longer inputs add run time, not coverage. */
#define MAX_SECTION_LEN (PATH_MAX + 512)

static int starts_with(const char *text, const char *prefix)
{
	return strncmp(text, prefix, strlen(prefix)) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_SECTION_LEN)
		return 0;
	char *section = malloc(size + 1);
	if (!section)
		return 0;
	memcpy(section, data, size);
	section[size] = '\0';
	static struct rk_hook_spec spec, again;
	char err[512];
	memset(err, 0x7f, sizeof(err));
	int rc = rk_hook_parse_section(section, &spec, err, sizeof(err));
	if (!memchr(err, '\0', sizeof(err)))
		abort();
	if (rc == 0) {
		if (err[0] || !memchr(spec.path, '\0', sizeof(spec.path)) ||
		    !memchr(spec.symbol, '\0', sizeof(spec.symbol)))
			abort();
		switch (spec.kind) {
		case RK_HOOK_UPROBE:
			if (!starts_with(section, "uprobe/") || !spec.path[0] || !spec.symbol[0])
				abort();
			break;
		case RK_HOOK_URETPROBE:
			if (!starts_with(section, "uretprobe/") || spec.offset)
				abort();
			break;
		case RK_HOOK_TRACEPOINT:
			if (!(starts_with(section, "tracepoint/") || starts_with(section, "tp/")) ||
			    !strchr(spec.symbol, '/'))
				abort();
			break;
		case RK_HOOK_KPROBE:
		case RK_HOOK_KRETPROBE:
			if (!starts_with(section, "k") || spec.path[0])
				abort();
			break;
		case RK_HOOK_TIMER:
			if (!starts_with(section, "timer/") || spec.period_ns == 0)
				abort();
			break;
		case RK_HOOK_GPIO:
			if (!starts_with(section, "gpio/") || !spec.path[0] ||
			    spec.edge < RK_HOOK_EDGE_RISING || spec.edge > RK_HOOK_EDGE_BOTH)
				abort();
			break;
		case RK_HOOK_IIO:
			if (!starts_with(section, "iio/") || !spec.path[0])
				abort();
			break;
		case RK_HOOK_PWM:
			if (!starts_with(section, "pwm/") || !spec.path[0])
				abort();
			break;
		case RK_HOOK_UIO:
			if (!starts_with(section, "uio/") || !spec.path[0])
				abort();
			break;
		default:
			abort();
		}
		if (rk_hook_parse_section(section, &again, NULL, 0) != 0 ||
		    memcmp(&spec, &again, sizeof(spec)) != 0)
			abort();
	} else {
		if (rc != -EINVAL || strchr(err, '\n') ||
		    !(err[0] == '"' || starts_with(err, "an empty section")))
			abort();
	}
	free(section);
	return 0;
}
