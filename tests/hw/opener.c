/*
 * opener.c - the process tests/hw/kprobe.sh traces: a known sequence of
 * do_sys_openat2() calls whose arguments and results are printed, so the
 * test can compare them with what the kprobe and kretprobe programs saw.
 *
 *   hw-opener FILE COUNT DIR FAILS
 *
 * Prints "pid PID" and waits for a line on stdin (the test points the
 * programs at PID meanwhile), then: dirfd = open(DIR); COUNT times
 * open(FILE) + close (openat(AT_FDCWD, ...) in libc); FAILS times
 * openat(dirfd, "no-such-file-xyz") (-ENOENT); prints "dirfd D fd F" and
 * "done", and waits for stdin to close before it exits: rkd reads the file
 * names from this process's memory when it runs the programs, so it stays
 * alive until the test has checked them.  argv strings keep their
 * addresses for the whole run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MISSING_NAME "no-such-file-xyz"

static const char missing_name[] = MISSING_NAME;

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s FILE COUNT DIR FAILS\n", argv[0]);
		return 2;
	}
	long count = strtol(argv[2], NULL, 10), fails = strtol(argv[4], NULL, 10);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("pid %d\n", (int)getpid());
	char line[64];
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	int dirfd = open(argv[3], O_RDONLY | O_DIRECTORY);
	if (dirfd < 0) {
		fprintf(stderr, "open %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	int fd = -1;
	for (long i = 0; i < count; i++) {
		fd = open(argv[1], O_RDONLY);
		if (fd < 0) {
			fprintf(stderr, "open %s: %s\n", argv[1], strerror(errno));
			return 1;
		}
		close(fd);
	}
	for (long i = 0; i < fails; i++) {
		if (openat(dirfd, missing_name, O_RDONLY) >= 0 || errno != ENOENT) {
			fprintf(stderr, "openat %s: expected ENOENT\n", missing_name);
			return 1;
		}
	}
	printf("dirfd %d fd %d\ndone\n", dirfd, fd);
	while (fgets(line, sizeof(line), stdin))
		;
	return 0;
}
