/*
 * events.h - the event stream: what programs say (trace_printk lines,
 * perf_event_output records, ring-buffer records) and what rkd says about
 * them (loaded, failed, unloaded), as JSON lines fanned out to subscribers
 * (`rkctl tail` connections).
 *
 * The one thing to know: emitting is on the hot path.  A line is formatted
 * into one preallocated buffer and copied into each subscriber's
 * preallocated output; nothing allocates, nothing blocks.  A subscriber
 * whose output is full is dropped (its owner closes it) and the loss is
 * counted -- a slow client never slows the robot.
 */
#ifndef RKD_EVENTS_H
#define RKD_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "rkbpf.h"

/* The longest event line: a decoded record is cut (and marked) beyond it. */
#define RKD_EVENT_LINE_MAX (16u * 1024)

struct rkd_subscriber {
	struct rkd_subscriber *next;
	/* Append one line; a negative errno when it does not fit. */
	int (*deliver)(struct rkd_subscriber *sub, const char *line, size_t len);
	/* Called once, after deliver failed and sub left the list: close it. */
	void (*dropped)(struct rkd_subscriber *sub);
};

struct rkd_event_stats {
	uint64_t emitted;           /* lines formatted */
	uint64_t delivered;         /* line copies handed to subscribers */
	uint64_t subscribers_dropped;
	uint64_t truncated;         /* lines cut at RKD_EVENT_LINE_MAX */
};

struct rkd_events {
	struct rkd_subscriber *subscribers;
	struct rkd_event_stats stats;
	char line[RKD_EVENT_LINE_MAX];
};

void rkd_events_init(struct rkd_events *events);
void rkd_events_subscribe(struct rkd_events *events, struct rkd_subscriber *sub);
/* Safe to call for a subscriber that is not (or no longer) in the list. */
void rkd_events_unsubscribe(struct rkd_events *events, struct rkd_subscriber *sub);
size_t rkd_events_subscriber_count(const struct rkd_events *events);

/* bpf_trace_printk: {"type":"print","time_ns":..,"object":..,"prog":..,"text":..} */
void rkd_events_print(struct rkd_events *events, uint64_t time_ns, const char *object,
                      const char *prog, const char *text, size_t len);
/* bpf_perf_event_output: {"type":"perf_output",...,"size":N,"hex":".."} */
void rkd_events_perf_output(struct rkd_events *events, uint64_t time_ns, const char *object,
                            const char *prog, const void *data, size_t size);
/*
 * A ring-buffer record: {"type":"ringbuf",...,"map":..,"size":N,"record":{..}}
 * decoded through btf when type_id is not 0 (and the decoding fits), else
 * "hex":"..".
 */
void rkd_events_ringbuf(struct rkd_events *events, uint64_t time_ns, const char *object,
                        const char *map, const struct rk_btf *btf, uint32_t type_id,
                        const void *data, size_t size);
/* rkd's own news: {"type":"rkd","time_ns":..,"object":..,"what":"loaded","message":..} */
void rkd_events_notice(struct rkd_events *events, const char *object, const char *what,
                       const char *message);

/* CLOCK_MONOTONIC nanoseconds. */
uint64_t rkd_now_ns(void);

#endif
