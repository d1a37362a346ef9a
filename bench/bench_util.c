/*
 * bench_util.c - shared by the benchmark binaries.
 */
#include "bench_util.h"

#include <stdio.h>
#include <string.h>

void bench_cpu_model(char *buf, size_t buf_len)
{
	char line[512];
	FILE *file = fopen("/proc/cpuinfo", "r");

	snprintf(buf, buf_len, "unknown");
	if (!file)
		return;
	while (fgets(line, sizeof(line), file)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) != 0 || !colon)
			continue;
		colon += 1 + (colon[1] == ' ');
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(buf, buf_len, "%s", colon);
		break;
	}
	fclose(file);
}
