/*
 * perf_ring.h - one perf_event mmap ring, read from user space, and the
 * decoding of the records found in it (PERF_RECORD_SAMPLE, _LOST).
 *
 * The one thing to know: the kernel writes data_head and reads data_tail;
 * we do the opposite.  A record handed to the callback lives in the ring
 * (or, when it wraps around the ring's end, in the caller's scratch
 * buffer) and is valid only until the callback returns: data_tail moves
 * past it right after, and the kernel may then overwrite it.
 */
#ifndef RK_HOOKS_PERF_RING_H
#define RK_HOOKS_PERF_RING_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>

/* perf_event_header.size is a u16: no record is longer. */
#define RK_PERF_RECORD_MAX 65536u

struct rk_perf_ring {
	struct perf_event_mmap_page *meta;
	uint8_t *data;          /* data_size bytes, right after the meta page */
	uint64_t data_size;     /* a power of 2 */
	void *map;              /* what rk_perf_ring_map() mapped; NULL for memory rings */
	size_t map_len;
};

/*
 * Map fd's ring: one meta page + data_pages (a power of 2) pages.  0, or a
 * negative errno with err saying why (-EPERM: over perf_event_mlock_kb).
 */
int rk_perf_ring_map(struct rk_perf_ring *ring, int fd, unsigned data_pages, char *err,
                     size_t err_len);
void rk_perf_ring_unmap(struct rk_perf_ring *ring);

/* A ring over memory the caller laid out as the kernel does (tests, fuzzing). */
void rk_perf_ring_init_mem(struct rk_perf_ring *ring, struct perf_event_mmap_page *meta,
                           uint8_t *data, uint64_t data_size);

/* header->size bytes at record (header included), contiguous. */
typedef void (*rk_perf_record_fn)(void *user, const struct perf_event_header *header,
                                  const uint8_t *record);

/*
 * Hand every record between data_tail and data_head (as loaded once, with
 * acquire semantics) to fn, in order, releasing each one after fn returns.
 * scratch: RK_PERF_RECORD_MAX bytes for records that wrap.  Returns the
 * number of records, or -EPROTO when the ring holds something that is not
 * a record (everything pending is then dropped).
 */
int rk_perf_ring_read(struct rk_perf_ring *ring, uint8_t *scratch, rk_perf_record_fn fn,
                      void *user);

/* The sample_type bits rk_perf_sample_parse() understands. */
#define RK_PERF_SAMPLE_SUPPORTED                                                            \
	(PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_RAW |            \
	 PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER | PERF_SAMPLE_REGS_INTR)

/* A PERF_RECORD_SAMPLE's fields; pointers into the record (maybe unaligned). */
struct rk_perf_sample {
	uint32_t pid, tid;
	uint64_t time;
	uint32_t cpu;
	const uint8_t *raw;            /* PERF_SAMPLE_RAW: raw_size bytes (with padding) */
	uint32_t raw_size;
	uint64_t user_regs_abi;        /* PERF_SAMPLE_REGS_ABI_NONE: no user regs */
	const uint8_t *user_regs;      /* regs_count u64s */
	const uint8_t *stack;          /* PERF_SAMPLE_STACK_USER: stack_size valid bytes */
	uint64_t stack_size;
	uint64_t intr_regs_abi;
	const uint8_t *intr_regs;      /* regs_count u64s */
};

/*
 * Decode a PERF_RECORD_SAMPLE of size bytes (header included) opened with
 * sample_type (a subset of RK_PERF_SAMPLE_SUPPORTED) and a register mask of
 * regs_count bits.  0, or -EINVAL if the record is not what that makes.
 */
int rk_perf_sample_parse(const uint8_t *record, size_t size, uint64_t sample_type,
                         unsigned regs_count, struct rk_perf_sample *out);

/* PERF_RECORD_LOST and PERF_RECORD_LOST_SAMPLES: how many; 0, or -EINVAL. */
int rk_perf_lost_parse(const uint8_t *record, size_t size, uint64_t *lost);

/* A u64 from possibly unaligned record bytes. */
uint64_t rk_perf_u64(const uint8_t *at);

#endif
