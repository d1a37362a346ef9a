/*
 * conformance_data.h - reads the bpf_conformance suite's files
 * (tests/conformance/tests/NAME.data and bytecode/NAME.hex) for the tests.
 */
#ifndef RK_TEST_CONFORMANCE_DATA_H
#define RK_TEST_CONFORMANCE_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef RK_SOURCE_DIR
#define RK_SOURCE_DIR "."
#endif
#define RK_CONFORMANCE_DIR RK_SOURCE_DIR "/tests/conformance"

struct conformance_case {
	char name[128];
	char *asm_text;       /* the "-- asm" section, verbatim (NULL if none) */
	uint8_t *mem;         /* "-- mem" bytes (NULL if none) */
	size_t mem_len;
	bool has_result;
	uint64_t result;      /* "-- result" */
	bool expects_error;   /* "-- error" present */
	char *error_text;     /* its text, may be empty */
	uint8_t *raw;         /* "-- raw": hex bytes or 0x<16 digits> words, as bytes */
	size_t raw_len;
};

/* Parse one .data file.  Returns 0 or -errno. */
int conformance_case_load(const char *path, struct conformance_case *tc);
void conformance_case_free(struct conformance_case *tc);

/* Read a bytecode/NAME.hex file ("b7 00 ..."): malloc'd bytes.  0 or -errno. */
int conformance_hex_load(const char *path, uint8_t **bytes_out, size_t *len_out);

/* Parse space-separated hex bytes ("00 01 ff") into a malloc'd buffer. */
int conformance_parse_hex_bytes(const char *text, uint8_t **bytes_out, size_t *len_out);

/*
 * The sorted names (without .data) of the files in dir ending in ".data".
 * Returns the count, or -errno; *names_out is freed with
 * conformance_names_free().
 */
int conformance_list(const char *dir, char ***names_out);
void conformance_names_free(char **names, int count);

/* Read a whole file into a NUL-terminated malloc'd buffer. */
int conformance_read_file(const char *path, char **text_out, size_t *len_out);

#endif
