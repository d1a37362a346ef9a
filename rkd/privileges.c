/*
 * privileges.c - the capabilities rkd keeps after start-up, through the raw
 * capget/capset system calls (no libcap).  Why each one stays is in
 * docs/security.md; in short:
 *
 *   CAP_PERFMON     perf_event_open of tracepoints for every process and CPU
 *   CAP_SYS_ADMIN   perf_event_open of the uprobe and kprobe PMUs (the kernel
 *                   refuses them with EACCES on CAP_PERFMON alone), and
 *                   everything perf on kernels before 5.8
 *   CAP_SYS_PTRACE  process_vm_readv of a traced process that runs as
 *                   another user or with other capabilities
 *                   (bpf_probe_read_user beyond the captured stack)
 *   CAP_IPC_LOCK    the perf ring buffers' mmap beyond perf_event_mlock_kb
 *   CAP_SYSLOG      real addresses in /proc/kallsyms, to refuse a kprobe
 *                   whose +OFF runs past its function (zeros without it)
 *
 * The one thing to know: rkd stays uid 0 (the files it reads -- tracefs,
 * programs_dir, state_dir -- are root's), so without SECBIT_NOROOT an
 * exec would give every capability back; the bounding set and the locked
 * securebits make the drop permanent for rkd and anything it could start.
 */
#define _GNU_SOURCE
#include "privileges.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#define CAP_WORDS _LINUX_CAPABILITY_U32S_3
#define CAP_MAX_KNOWN (32 * CAP_WORDS)

struct cap_sets {
	uint64_t effective, permitted, inheritable;
};

static uint64_t bit(int cap)
{
	return (uint64_t)1 << cap;
}

static int cap_get(struct cap_sets *sets)
{
	struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[CAP_WORDS];
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &header, data))
		return -errno;
	sets->effective = data[0].effective | (uint64_t)data[1].effective << 32;
	sets->permitted = data[0].permitted | (uint64_t)data[1].permitted << 32;
	sets->inheritable = data[0].inheritable | (uint64_t)data[1].inheritable << 32;
	return 0;
}

static int cap_set(const struct cap_sets *sets)
{
	struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[CAP_WORDS] = {
		{(uint32_t)sets->effective, (uint32_t)sets->permitted, (uint32_t)sets->inheritable},
		{(uint32_t)(sets->effective >> 32), (uint32_t)(sets->permitted >> 32),
		 (uint32_t)(sets->inheritable >> 32)},
	};
	return syscall(SYS_capset, &header, data) ? -errno : 0;
}

static int last_cap(void)
{
	int last = -1;
	FILE *file = fopen("/proc/sys/kernel/cap_last_cap", "re");
	if (file) {
		if (fscanf(file, "%d", &last) != 1)
			last = -1;
		fclose(file);
	}
	return last >= 0 && last < CAP_MAX_KNOWN ? last : CAP_PERFMON;
}

static void describe(uint64_t caps, char *out, size_t out_len)
{
	static const struct {
		int cap;
		const char *name;
	} names[] = {{CAP_PERFMON, "cap_perfmon"}, {CAP_SYS_ADMIN, "cap_sys_admin"},
	             {CAP_SYS_PTRACE, "cap_sys_ptrace"}, {CAP_IPC_LOCK, "cap_ipc_lock"},
	             {CAP_SYSLOG, "cap_syslog"}};
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((caps & bit(names[i].cap)) && used < out_len)
			used += (size_t)snprintf(out + used, out_len - used, "%s%s", used ? " " : "",
			                         names[i].name);
	if (!out[0])
		snprintf(out, out_len, "none");
}

int rkd_drop_privileges(const struct rkd_config *config, char *kept, size_t kept_len,
                        char *err, size_t err_len)
{
	if (!config->drop_capabilities) {
		snprintf(kept, kept_len, "all (drop_capabilities = off)");
		return 0;
	}
	/* A kernel that does not know CAP_PERFMON gates perf on CAP_SYS_ADMIN. */
	bool has_perfmon = prctl(PR_CAPBSET_READ, CAP_PERFMON, 0, 0, 0) >= 0;
	/* The uprobe and kprobe PMUs still want CAP_SYS_ADMIN (measured on 6.18: EACCES without). */
	uint64_t wanted = (has_perfmon ? bit(CAP_PERFMON) : 0) | bit(CAP_SYS_ADMIN) |
	                  bit(CAP_SYS_PTRACE) | bit(CAP_IPC_LOCK) | bit(CAP_SYSLOG);
	struct cap_sets now;
	int rc = cap_get(&now);
	if (rc) {
		snprintf(err, err_len, "capget: %s", strerror(-rc));
		return rc;
	}
	uint64_t keep = wanted & now.permitted;
	/* The bounding set and securebits need CAP_SETPCAP: done while we still have it. */
	if (now.effective & bit(CAP_SETPCAP)) {
		for (int cap = 0; cap <= last_cap(); cap++) {
			if ((keep & bit(cap)) || prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
				continue;
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)) {
				rc = -errno;
				snprintf(err, err_len, "prctl(PR_CAPBSET_DROP, %d): %s", cap, strerror(-rc));
				return rc;
			}
		}
		if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
		                                 SECBIT_NO_CAP_AMBIENT_RAISE |
		                                 SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
		          0, 0, 0)) {
			rc = -errno;
			snprintf(err, err_len, "prctl(PR_SET_SECUREBITS): %s", strerror(-rc));
			return rc;
		}
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	struct cap_sets wanted_sets = {.effective = keep, .permitted = keep, .inheritable = 0};
	rc = cap_set(&wanted_sets);
	if (rc) {
		snprintf(err, err_len, "capset: %s", strerror(-rc));
		return rc;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		rc = -errno;
		snprintf(err, err_len, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(-rc));
		return rc;
	}
	/* Trust, but check: the kernel must agree that only `keep` is left. */
	rc = cap_get(&now);
	if (rc || now.permitted != keep || now.effective != keep) {
		snprintf(err, err_len, "capabilities still held after capset: 0x%llx",
		         (unsigned long long)now.permitted);
		return rc ? rc : -EPERM;
	}
	describe(keep, kept, kept_len);
	return 0;
}
