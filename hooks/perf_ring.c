/*
 * perf_ring.c - perf mmap rings and their records (see perf_ring.h).
 *
 * The barriers are the kernel's own (tools/include/linux/ring_buffer.h):
 * data_head is loaded with acquire semantics, so the record bytes read
 * after it are the ones the kernel wrote before publishing it; data_tail
 * is stored with release semantics, so our reads of a record are done
 * before the kernel may reuse its space.  Nothing is trusted: a record's
 * size is checked against what is pending before any byte is copied.
 */
#include "perf_ring.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int rk_perf_ring_map(struct rk_perf_ring *ring, int fd, unsigned data_pages, char *err,
                     size_t err_len)
{
	memset(ring, 0, sizeof(*ring));
	if (data_pages == 0 || (data_pages & (data_pages - 1)) != 0) {
		snprintf(err, err_len, "perf ring: %u data pages is not a power of 2", data_pages);
		return -EINVAL;
	}
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = page * (1 + (size_t)data_pages);
	void *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		int rc = -errno;
		snprintf(err, err_len,
		         "perf ring: mmap of %zu bytes: %s%s", len, strerror(-rc),
		         rc == -EPERM ? " (over /proc/sys/kernel/perf_event_mlock_kb; use fewer "
		                        "ring pages or raise it)"
		                      : "");
		return rc;
	}
	struct perf_event_mmap_page *meta = map;
	/* Kernels since 4.1 say where the data is; older ones put it after the meta page. */
	uint64_t data_offset = meta->data_offset ? meta->data_offset : page;
	uint64_t data_size = meta->data_size ? meta->data_size : (uint64_t)page * data_pages;
	if (data_offset + data_size > len || (data_size & (data_size - 1)) != 0) {
		munmap(map, len);
		snprintf(err, err_len, "perf ring: the kernel placed the data at %llu+%llu, outside "
		         "the %zu bytes mapped", (unsigned long long)data_offset,
		         (unsigned long long)data_size, len);
		return -EPROTO;
	}
	ring->meta = meta;
	ring->data = (uint8_t *)map + data_offset;
	ring->data_size = data_size;
	ring->map = map;
	ring->map_len = len;
	return 0;
}

void rk_perf_ring_unmap(struct rk_perf_ring *ring)
{
	if (ring->map)
		munmap(ring->map, ring->map_len);
	memset(ring, 0, sizeof(*ring));
}

void rk_perf_ring_init_mem(struct rk_perf_ring *ring, struct perf_event_mmap_page *meta,
                           uint8_t *data, uint64_t data_size)
{
	memset(ring, 0, sizeof(*ring));
	ring->meta = meta;
	ring->data = data;
	ring->data_size = data_size;
}

/* Copy len bytes at ring position pos (which may wrap) to dst. */
static void ring_copy(const struct rk_perf_ring *ring, uint64_t pos, void *dst, size_t len)
{
	uint64_t off = pos & (ring->data_size - 1);
	size_t first = len;
	if (off + len > ring->data_size)
		first = (size_t)(ring->data_size - off);
	memcpy(dst, ring->data + off, first);
	memcpy((uint8_t *)dst + first, ring->data, len - first);
}

int rk_perf_ring_read(struct rk_perf_ring *ring, uint8_t *scratch, rk_perf_record_fn fn,
                      void *user)
{
	uint64_t head = __atomic_load_n(&ring->meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = __atomic_load_n(&ring->meta->data_tail, __ATOMIC_RELAXED);
	int count = 0;
	if (head - tail > ring->data_size)
		goto corrupt;
	while (tail != head) {
		struct perf_event_header header;
		uint64_t pending = head - tail;
		if (pending < sizeof(header))
			goto corrupt;
		ring_copy(ring, tail, &header, sizeof(header));
		if (header.size < sizeof(header) || header.size > pending)
			goto corrupt;
		uint64_t off = tail & (ring->data_size - 1);
		const uint8_t *record = ring->data + off;
		if (off + header.size > ring->data_size) {
			ring_copy(ring, tail, scratch, header.size);
			record = scratch;
		}
		fn(user, &header, record);
		tail += header.size;
		__atomic_store_n(&ring->meta->data_tail, tail, __ATOMIC_RELEASE);
		if (count < INT32_MAX)
			count++;
	}
	return count;
corrupt:
	__atomic_store_n(&ring->meta->data_tail, head, __ATOMIC_RELEASE);
	return -EPROTO;
}

uint64_t rk_perf_u64(const uint8_t *at)
{
	uint64_t value;
	memcpy(&value, at, sizeof(value));
	return value;
}

static uint32_t read_u32(const uint8_t *at)
{
	uint32_t value;
	memcpy(&value, at, sizeof(value));
	return value;
}

/* Take len bytes from [*at, end): their start, or NULL when too few remain. */
static const uint8_t *take(const uint8_t **at, const uint8_t *end, uint64_t len)
{
	if ((uint64_t)(end - *at) < len)
		return NULL;
	const uint8_t *start = *at;
	*at += len;
	return start;
}

/* abi, then regs_count u64s unless abi is NONE. */
static int take_regs(const uint8_t **at, const uint8_t *end, unsigned regs_count, uint64_t *abi,
                     const uint8_t **regs)
{
	const uint8_t *field = take(at, end, sizeof(uint64_t));
	if (!field)
		return -EINVAL;
	*abi = rk_perf_u64(field);
	*regs = NULL;
	if (*abi == PERF_SAMPLE_REGS_ABI_NONE)
		return 0;
	*regs = take(at, end, (uint64_t)regs_count * sizeof(uint64_t));
	return *regs ? 0 : -EINVAL;
}

/* The field order is perf_output_sample()'s; the unsupported ones are refused at open. */
int rk_perf_sample_parse(const uint8_t *record, size_t size, uint64_t sample_type,
                         unsigned regs_count, struct rk_perf_sample *out)
{
	memset(out, 0, sizeof(*out));
	if (size < sizeof(struct perf_event_header) || (sample_type & ~RK_PERF_SAMPLE_SUPPORTED))
		return -EINVAL;
	const uint8_t *at = record + sizeof(struct perf_event_header);
	const uint8_t *end = record + size;
	const uint8_t *field;
	if (sample_type & PERF_SAMPLE_TID) {
		if (!(field = take(&at, end, 2 * sizeof(uint32_t))))
			return -EINVAL;
		out->pid = read_u32(field);
		out->tid = read_u32(field + sizeof(uint32_t));
	}
	if (sample_type & PERF_SAMPLE_TIME) {
		if (!(field = take(&at, end, sizeof(uint64_t))))
			return -EINVAL;
		out->time = rk_perf_u64(field);
	}
	if (sample_type & PERF_SAMPLE_CPU) {
		if (!(field = take(&at, end, 2 * sizeof(uint32_t))))
			return -EINVAL;
		out->cpu = read_u32(field);
	}
	if (sample_type & PERF_SAMPLE_RAW) {
		if (!(field = take(&at, end, sizeof(uint32_t))))
			return -EINVAL;
		out->raw_size = read_u32(field);
		if (!(out->raw = take(&at, end, out->raw_size)))
			return -EINVAL;
	}
	if (sample_type & PERF_SAMPLE_REGS_USER) {
		if (take_regs(&at, end, regs_count, &out->user_regs_abi, &out->user_regs))
			return -EINVAL;
	}
	if (sample_type & PERF_SAMPLE_STACK_USER) {
		if (!(field = take(&at, end, sizeof(uint64_t))))
			return -EINVAL;
		uint64_t stack_size = rk_perf_u64(field);
		if (stack_size) {
			const uint8_t *stack = take(&at, end, stack_size);
			if (!stack || !(field = take(&at, end, sizeof(uint64_t))))
				return -EINVAL;
			uint64_t dyn_size = rk_perf_u64(field);
			if (dyn_size > stack_size)
				return -EINVAL;
			out->stack = dyn_size ? stack : NULL;
			out->stack_size = dyn_size;
		}
	}
	if (sample_type & PERF_SAMPLE_REGS_INTR) {
		if (take_regs(&at, end, regs_count, &out->intr_regs_abi, &out->intr_regs))
			return -EINVAL;
	}
	return 0;
}

int rk_perf_lost_parse(const uint8_t *record, size_t size, uint64_t *lost)
{
	size_t need = sizeof(struct perf_event_header);
	if (size < need)
		return -EINVAL;
	uint32_t type;
	memcpy(&type, record + offsetof(struct perf_event_header, type), sizeof(type));
	if (type == PERF_RECORD_LOST)
		need += 2 * sizeof(uint64_t); /* id, lost */
	else if (type == PERF_RECORD_LOST_SAMPLES)
		need += sizeof(uint64_t); /* lost */
	else
		return -EINVAL;
	if (size < need)
		return -EINVAL;
	*lost = rk_perf_u64(record + need - sizeof(uint64_t));
	return 0;
}
