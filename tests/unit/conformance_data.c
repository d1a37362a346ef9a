/*
 * conformance_data.c - parser for the bpf_conformance .data and .hex files.
 * Test support only: the product never reads these formats.
 */
#include "conformance_data.h"
#include "../../tools/common/hex.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int conformance_read_file(const char *path, char **text_out, size_t *len_out)
{
	FILE *file = fopen(path, "rb");
	if (!file)
		return -errno;
	size_t cap = 4096, len = 0;
	char *text = malloc(cap);
	if (!text) {
		fclose(file);
		return -ENOMEM;
	}
	size_t got;
	while ((got = fread(text + len, 1, cap - len - 1, file)) > 0) {
		len += got;
		if (cap - len - 1 == 0) {
			char *bigger = realloc(text, cap * 2);
			if (!bigger) {
				free(text);
				fclose(file);
				return -ENOMEM;
			}
			text = bigger;
			cap *= 2;
		}
	}
	fclose(file);
	text[len] = '\0';
	*text_out = text;
	if (len_out)
		*len_out = len;
	return 0;
}

int conformance_parse_hex_bytes(const char *text, uint8_t **bytes_out, size_t *len_out)
{
	char err[128];
	return rk_hex_parse(text, bytes_out, len_out, err, sizeof(err));
}

int conformance_hex_load(const char *path, uint8_t **bytes_out, size_t *len_out)
{
	char *text;
	int rc = conformance_read_file(path, &text, NULL);
	if (rc)
		return rc;
	rc = conformance_parse_hex_bytes(text, bytes_out, len_out);
	free(text);
	return rc;
}

/* "-- raw" lines are either "0x<16 hex digits>" words (little-endian u64) or hex bytes. */
static int parse_raw(const char *text, uint8_t **bytes_out, size_t *len_out)
{
	if (!strstr(text, "0x"))
		return conformance_parse_hex_bytes(text, bytes_out, len_out);
	/* Each "0x" (2 characters at least) yields 8 bytes, however few digits follow. */
	size_t cap = (strlen(text) / 2 + 1) * 8, len = 0;
	uint8_t *bytes = malloc(cap);
	if (!bytes)
		return -ENOMEM;
	const char *p = text;
	while ((p = strstr(p, "0x")) != NULL) {
		char *end;
		uint64_t word = strtoull(p, &end, 16);
		for (int i = 0; i < 8; i++)
			bytes[len++] = (uint8_t)(word >> (8 * i));
		p = end;
	}
	*bytes_out = bytes;
	*len_out = len;
	return 0;
}

static void strip_comment_lines(char *section)
{
	/* Remove whole-line comments from data sections (mem/result/raw). */
	char *out = section;
	for (char *line = section; *line;) {
		char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line + 1) : strlen(line);
		if (line[0] != '#') {
			memmove(out, line, len);
			out += len;
		}
		line += len;
	}
	*out = '\0';
}

int conformance_case_load(const char *path, struct conformance_case *tc)
{
	memset(tc, 0, sizeof(*tc));
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(tc->name, sizeof(tc->name), "%s", base);
	char *dot = strrchr(tc->name, '.');
	if (dot)
		*dot = '\0';

	char *text;
	int rc = conformance_read_file(path, &text, NULL);
	if (rc)
		return rc;

	/* Split into sections at lines starting with "-- ". */
	char *cursor = text;
	char *section_name = NULL;
	char *section_body = NULL;
	for (;;) {
		char *marker = strstr(cursor, "-- ");
		while (marker && marker != text && marker[-1] != '\n')
			marker = strstr(marker + 3, "-- ");
		if (section_name) {
			size_t body_len = marker ? (size_t)(marker - section_body) : strlen(section_body);
			char *body = strndup(section_body, body_len);
			if (!body) {
				rc = -ENOMEM;
				break;
			}
			if (strcmp(section_name, "asm") == 0) {
				tc->asm_text = body;
				body = NULL;
			} else if (strcmp(section_name, "mem") == 0) {
				strip_comment_lines(body);
				rc = conformance_parse_hex_bytes(body, &tc->mem, &tc->mem_len);
			} else if (strcmp(section_name, "result") == 0) {
				strip_comment_lines(body);
				tc->has_result = true;
				tc->result = strtoull(body, NULL, 16);
			} else if (strcmp(section_name, "error") == 0) {
				tc->expects_error = true;
				tc->error_text = body;
				body = NULL;
			} else if (strcmp(section_name, "raw") == 0) {
				strip_comment_lines(body);
				rc = parse_raw(body, &tc->raw, &tc->raw_len);
			}
			free(body);
			free(section_name);
			section_name = NULL;
			if (rc)
				break;
		}
		if (!marker)
			break;
		char *eol = strchr(marker, '\n');
		size_t name_len = eol ? (size_t)(eol - marker - 3) : strlen(marker + 3);
		section_name = strndup(marker + 3, name_len);
		if (!section_name) {
			rc = -ENOMEM;
			break;
		}
		/* trim trailing spaces of the section name */
		for (size_t i = strlen(section_name); i > 0 && section_name[i - 1] == ' '; i--)
			section_name[i - 1] = '\0';
		section_body = eol ? eol + 1 : marker + strlen(marker);
		cursor = section_body;
	}
	free(section_name);
	free(text);
	if (rc)
		conformance_case_free(tc);
	return rc;
}

void conformance_case_free(struct conformance_case *tc)
{
	free(tc->asm_text);
	free(tc->mem);
	free(tc->error_text);
	free(tc->raw);
	memset(tc, 0, sizeof(*tc));
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int conformance_list(const char *dir, char ***names_out)
{
	DIR *handle = opendir(dir);
	if (!handle)
		return -errno;
	int count = 0, cap = 64;
	char **names = malloc(sizeof(*names) * (size_t)cap);
	struct dirent *entry;
	while (names && (entry = readdir(handle)) != NULL) {
		size_t len = strlen(entry->d_name);
		if (len < 6 || strcmp(entry->d_name + len - 5, ".data") != 0)
			continue;
		if (count == cap) {
			char **bigger = realloc(names, sizeof(*names) * (size_t)cap * 2);
			if (!bigger)
				break;
			names = bigger;
			cap *= 2;
		}
		names[count++] = strndup(entry->d_name, len - 5);
	}
	closedir(handle);
	if (!names)
		return -ENOMEM;
	qsort(names, (size_t)count, sizeof(*names), compare_names);
	*names_out = names;
	return count;
}

void conformance_names_free(char **names, int count)
{
	for (int i = 0; i < count; i++)
		free(names[i]);
	free(names);
}
