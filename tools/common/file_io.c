/*
 * file_io.c - whole-file reads and writes for the command-line tools.
 */
#include "file_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rk_file_read(const char *path, uint8_t **data_out, size_t *len_out, char *err,
                 size_t err_len)
{
	FILE *file = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!file) {
		int rc = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return rc;
	}
	size_t cap = 4096, len = 0;
	uint8_t *data = malloc(cap);
	int rc = 0;
	while (data) {
		size_t got = fread(data + len, 1, cap - len - 1, file);
		len += got;
		if (got == 0)
			break;
		if (len > RK_FILE_MAX_BYTES) {
			snprintf(err, err_len, "%s: larger than %u bytes", path, RK_FILE_MAX_BYTES);
			rc = -EFBIG;
			break;
		}
		if (len + 1 == cap) {
			uint8_t *bigger = realloc(data, cap * 2);
			if (!bigger)
				free(data);
			data = bigger;
			cap *= 2;
		}
	}
	if (!rc && ferror(file)) {
		snprintf(err, err_len, "%s: read error", path);
		rc = -EIO;
	}
	if (file != stdin)
		fclose(file);
	if (!data) {
		snprintf(err, err_len, "%s: out of memory", path);
		return -ENOMEM;
	}
	if (rc) {
		free(data);
		return rc;
	}
	data[len] = '\0';
	*data_out = data;
	*len_out = len;
	return 0;
}

int rk_file_write(const char *path, const void *data, size_t len, char *err, size_t err_len)
{
	FILE *file = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
	if (!file) {
		int rc = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return rc;
	}
	size_t written = fwrite(data, 1, len, file);
	int rc = written == len ? 0 : -EIO;
	if (file != stdout) {
		if (fclose(file) != 0)
			rc = -EIO;
	} else {
		fflush(stdout);
	}
	if (rc)
		snprintf(err, err_len, "%s: write failed", path);
	return rc;
}
