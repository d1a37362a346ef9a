/*
 * file_io.h - whole-file reads and writes for the command-line tools,
 * with errors that name the file.
 */
#ifndef RK_TOOLS_FILE_IO_H
#define RK_TOOLS_FILE_IO_H

#include <stddef.h>
#include <stdint.h>

#define RK_FILE_MAX_BYTES (64u * 1024 * 1024)

/* Read path into a malloc'd buffer with a NUL after the data.  0 or -errno. */
int rk_file_read(const char *path, uint8_t **data_out, size_t *len_out, char *err,
                 size_t err_len);
/* Write len bytes to path ("-" for stdout).  0 or -errno. */
int rk_file_write(const char *path, const void *data, size_t len, char *err, size_t err_len);

#endif
