/*
 * helpers_host.c - the helpers that ask the host or the system: clocks,
 * randomness, the task that triggered the event (rk_event_meta), the
 * traced process's memory (rk_env.read_user), perf output, and rkBPF's
 * robotics services (emergency stop, sensor timestamps).
 *
 * Errors follow the kernel where it has one: with no event metadata, the
 * task helpers return -EINVAL as the kernel does with no task; a failed
 * user read zero-fills the destination and returns -EFAULT (or the host's
 * error), and a host that reads no user memory is a failed read.  For the
 * other services a host did not provide: perf output is dropped and
 * succeeds, the emergency stop is -ENOTSUP (never a silent success), and a
 * sensor timestamp is 0, "unknown".
 */
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "helpers_std.h"

/* The kernel's perf_event_output flags (BPF_F_INDEX_MASK, BPF_F_CURRENT_CPU). */
#define PERF_F_INDEX_MASK 0xffffffffull
#define PERF_F_CURRENT_CPU PERF_F_INDEX_MASK

/*
 * User strings are read in chunks that never cross a 4 KiB boundary (so a
 * chunk never spans two pages of any size) through a bounce buffer, so
 * that nothing past the terminating NUL is read from a page the string
 * does not reach, nor copied into the program's buffer.
 */
#define USER_PAGE_BYTES 4096u
#define USER_STR_CHUNK 256u

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec now;
	clock_gettime(clock, &now);
	return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

uint64_t rk_helper_monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

RK_HELPER(rk_helper_ktime_get_ns)
{
	return clock_ns(CLOCK_MONOTONIC);
}

RK_HELPER(rk_helper_ktime_get_boot_ns)
{
	return clock_ns(CLOCK_BOOTTIME);
}

/*
 * bpf_get_prandom_u32: xorshift64* (Vigna), one state per thread, seeded
 * from getrandom() at first use.  Fast and statistically sound; not for
 * cryptography, like the kernel's.
 */
static _Thread_local uint64_t prandom_state;

static uint64_t prandom_seed(void)
{
	uint64_t seed = 0;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = clock_ns(CLOCK_MONOTONIC) ^ (uintptr_t)&seed;
	/* splitmix64's finaliser: spreads a weak seed, and 0 is not a valid state. */
	seed += 0x9e3779b97f4a7c15ull;
	seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ull;
	seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebull;
	seed ^= seed >> 31;
	return seed ? seed : 0x9e3779b97f4a7c15ull;
}

RK_HELPER(rk_helper_get_prandom_u32)
{
	uint64_t x = prandom_state;
	if (__builtin_expect(x == 0, 0))
		x = prandom_seed();
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	prandom_state = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

RK_HELPER(rk_helper_get_smp_processor_id)
{
	const struct rk_event_meta *meta = rk_helper_meta(run);
	return meta ? meta->cpu : 0;
}

RK_HELPER(rk_helper_get_current_pid_tgid)
{
	const struct rk_event_meta *meta = rk_helper_meta(run);
	if (!meta)
		return RK_HELPER_ERR(-EINVAL);
	return (uint64_t)meta->tgid << 32 | meta->pid;
}

RK_HELPER(rk_helper_get_current_uid_gid)
{
	const struct rk_event_meta *meta = rk_helper_meta(run);
	if (!meta)
		return RK_HELPER_ERR(-EINVAL);
	return (uint64_t)meta->gid << 32 | meta->uid;
}

/* bpf_get_current_comm(buf, size): NUL-terminated, zero-padded to size. */
RK_HELPER(rk_helper_get_current_comm)
{
	char *buf = RK_HELPER_PTR(r1);
	uint32_t size = (uint32_t)r2;
	if (!buf || size == 0)
		return RK_HELPER_ERR(-EINVAL);
	const struct rk_event_meta *meta = rk_helper_meta(run);
	if (!meta) {
		memset(buf, 0, size);
		return RK_HELPER_ERR(-EINVAL);
	}
	size_t len = strnlen(meta->comm, sizeof(meta->comm));
	if (len > size - 1)
		len = size - 1;
	memcpy(buf, meta->comm, len);
	memset(buf + len, 0, size - len);
	return 0;
}

/* env->read_user, or -EFAULT when the host reads no user memory. */
static int read_user(const struct rk_env *env, void *dst, size_t size, uint64_t user_addr)
{
	if (!env || !env->read_user)
		return -EFAULT;
	int rc = env->read_user(env->host, dst, size, user_addr);
	return rc < 0 ? rc : 0;
}

/* bpf_probe_read_user(dst, size, unsafe_ptr): 0, or -errno with dst zeroed. */
RK_HELPER(rk_helper_probe_read_user)
{
	void *dst = RK_HELPER_PTR(r1);
	uint32_t size = (uint32_t)r2;
	if (size == 0)
		return 0;
	if (!dst)
		return RK_HELPER_ERR(-EFAULT);
	int rc = read_user(rk_helper_env(run), dst, size, r3);
	if (rc < 0) {
		memset(dst, 0, size);
		return RK_HELPER_ERR(rc);
	}
	return 0;
}

/*
 * bpf_probe_read_user_str(dst, size, unsafe_ptr): at most size - 1 bytes
 * and a NUL; returns the length including the NUL.  On failure dst is
 * zeroed and the error returned.  Unlike the kernel, the bytes of dst after
 * the NUL are zeroed too, so what a program sees never depends on what was
 * in its buffer before.
 */
RK_HELPER(rk_helper_probe_read_user_str)
{
	char *dst = RK_HELPER_PTR(r1);
	uint32_t size = (uint32_t)r2;
	uint64_t user_addr = r3;
	if (size == 0)
		return 0;
	if (!dst)
		return RK_HELPER_ERR(-EFAULT);
	const struct rk_env *env = rk_helper_env(run);
	size_t copied = 0, limit = size - 1;
	char bounce[USER_STR_CHUNK];
	while (copied < limit) {
		uint64_t addr = user_addr + copied;
		size_t chunk = USER_PAGE_BYTES - (size_t)(addr % USER_PAGE_BYTES);
		if (chunk > sizeof(bounce))
			chunk = sizeof(bounce);
		if (chunk > limit - copied)
			chunk = limit - copied;
		int rc = read_user(env, bounce, chunk, addr);
		if (rc < 0) {
			memset(dst, 0, size);
			return RK_HELPER_ERR(rc);
		}
		const char *nul = memchr(bounce, '\0', chunk);
		size_t take = nul ? (size_t)(nul - bounce) : chunk;
		memcpy(dst + copied, bounce, take);
		copied += take;
		if (nul)
			break;
	}
	memset(dst + copied, 0, size - copied);
	return copied + 1;
}

/*
 * bpf_perf_event_output(ctx, map, flags, data, size): flags hold the
 * index into the perf event array (or BPF_F_CURRENT_CPU); the host gets
 * the record with the flags and routes it.  With no host sink the record
 * is dropped and the call succeeds, as output nobody reads.
 */
RK_HELPER(rk_helper_perf_event_output)
{
	struct rk_map *map = RK_HELPER_PTR(r2);
	uint64_t flags = r3;
	const void *data = RK_HELPER_PTR(r4);
	uint64_t size = r5;
	if (!map || rk_map_def(map)->type != RK_MAP_PERF_EVENT_ARRAY)
		return RK_HELPER_ERR(-EINVAL);
	if (flags & ~PERF_F_INDEX_MASK)
		return RK_HELPER_ERR(-EINVAL);
	uint64_t index = flags & PERF_F_INDEX_MASK;
	uint32_t max_entries = rk_map_def(map)->max_entries;
	/* max_entries 0 is libbpf's "one per CPU", left open by the loader. */
	if (index != PERF_F_CURRENT_CPU && max_entries && index >= max_entries)
		return RK_HELPER_ERR(-E2BIG);
	if (!data && size)
		return RK_HELPER_ERR(-EFAULT);
	const struct rk_env *env = rk_helper_env(run);
	if (!env || !env->perf_output)
		return 0;
	int rc = env->perf_output(env->host, run->prog, flags, data, size);
	return rc < 0 ? RK_HELPER_ERR(rc) : 0;
}

/* rk_emergency_stop(mask): the host's result, or -ENOTSUP without one. */
RK_HELPER(rk_helper_emergency_stop)
{
	const struct rk_env *env = rk_helper_env(run);
	if (!env || !env->emergency_stop)
		return RK_HELPER_ERR(-ENOTSUP);
	return RK_HELPER_ERR(env->emergency_stop(env->host, run->prog, r1));
}

/* rk_sensor_last_timestamp(sensor_id): CLOCK_MONOTONIC ns, or 0 when unknown. */
RK_HELPER(rk_helper_sensor_last_timestamp)
{
	const struct rk_env *env = rk_helper_env(run);
	if (!env || !env->sensor_timestamp)
		return 0;
	uint64_t timestamp_ns = 0;
	if (env->sensor_timestamp(env->host, (uint32_t)r1, &timestamp_ns) != 0)
		return 0;
	return timestamp_ns;
}
