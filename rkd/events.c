/*
 * events.c - format event lines into one static buffer and fan them out.
 * See events.h for the rule: nothing here allocates.
 */
#include "events.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Room kept at the end of the line for the closing "}\n" and a truncation mark. */
#define LINE_RESERVE 64

struct line {
	char *buf;
	size_t used;
	size_t cap;        /* usable bytes, LINE_RESERVE less than the buffer */
	bool truncated;
};

uint64_t rkd_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void rkd_events_init(struct rkd_events *events)
{
	memset(events, 0, sizeof(*events));
}

void rkd_events_subscribe(struct rkd_events *events, struct rkd_subscriber *sub)
{
	sub->next = events->subscribers;
	events->subscribers = sub;
}

void rkd_events_unsubscribe(struct rkd_events *events, struct rkd_subscriber *sub)
{
	for (struct rkd_subscriber **link = &events->subscribers; *link; link = &(*link)->next) {
		if (*link == sub) {
			*link = sub->next;
			sub->next = NULL;
			return;
		}
	}
}

size_t rkd_events_subscriber_count(const struct rkd_events *events)
{
	size_t count = 0;
	for (const struct rkd_subscriber *sub = events->subscribers; sub; sub = sub->next)
		count++;
	return count;
}

static void line_start(struct rkd_events *events, struct line *line)
{
	line->buf = events->line;
	line->used = 0;
	line->cap = sizeof(events->line) - LINE_RESERVE;
	line->truncated = false;
}

static void put(struct line *line, const char *text, size_t len)
{
	if (line->used + len > line->cap) {
		line->truncated = true;
		len = line->cap - line->used;
	}
	memcpy(line->buf + line->used, text, len);
	line->used += len;
}

static void putf(struct line *line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct line *line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line->buf + line->used, line->cap - line->used + 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > line->cap - line->used) {
		line->truncated = true;
		line->used = line->cap;
	} else {
		line->used += (size_t)n;
	}
}

/* A JSON string; bytes that are not printable ASCII are escaped as \u00XX. */
static void put_string(struct line *line, const char *text, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	put(line, "\"", 1);
	for (size_t i = 0; i < len && !line->truncated; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			put(line, esc, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			put(line, esc, 6);
		} else {
			put(line, (const char *)&c, 1);
		}
	}
	put(line, "\"", 1);
}

static void put_hex(struct line *line, const void *data, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *bytes = data;
	put(line, "\"", 1);
	for (size_t i = 0; i < size && !line->truncated; i++) {
		char pair[2] = {hex[bytes[i] >> 4], hex[bytes[i] & 15]};
		put(line, pair, 2);
	}
	put(line, "\"", 1);
}

static void put_head(struct line *line, const char *type, uint64_t time_ns, const char *object)
{
	putf(line, "{\"type\":\"%s\",\"time_ns\":%" PRIu64 ",\"object\":", type, time_ns);
	put_string(line, object, strlen(object));
}

static void finish_and_send(struct rkd_events *events, struct line *line)
{
	/* The reserve guarantees room for the close, even after truncation. */
	if (line->truncated) {
		/* A cut line is not JSON any more: replace it by a marker that is. */
		events->stats.truncated++;
		line->used = 0;
		line->cap = sizeof(events->line) - LINE_RESERVE;
		line->truncated = false;
		putf(line, "{\"type\":\"truncated\",\"limit\":%u", RKD_EVENT_LINE_MAX);
	}
	memcpy(line->buf + line->used, "}\n", 2);
	line->used += 2;
	events->stats.emitted++;
	struct rkd_subscriber **link = &events->subscribers;
	while (*link) {
		struct rkd_subscriber *sub = *link;
		if (sub->deliver(sub, line->buf, line->used) == 0) {
			events->stats.delivered++;
			link = &sub->next;
			continue;
		}
		*link = sub->next;
		sub->next = NULL;
		events->stats.subscribers_dropped++;
		sub->dropped(sub);
	}
}

void rkd_events_print(struct rkd_events *events, uint64_t time_ns, const char *object,
                      const char *prog, const char *text, size_t len)
{
	if (!events->subscribers) {
		events->stats.emitted++;
		return;
	}
	struct line line;
	line_start(events, &line);
	put_head(&line, "print", time_ns, object);
	put(&line, ",\"prog\":", 8);
	put_string(&line, prog, strlen(prog));
	put(&line, ",\"text\":", 8);
	put_string(&line, text, len);
	finish_and_send(events, &line);
}

void rkd_events_perf_output(struct rkd_events *events, uint64_t time_ns, const char *object,
                            const char *prog, const void *data, size_t size)
{
	if (!events->subscribers) {
		events->stats.emitted++;
		return;
	}
	struct line line;
	line_start(events, &line);
	put_head(&line, "perf_output", time_ns, object);
	put(&line, ",\"prog\":", 8);
	put_string(&line, prog, strlen(prog));
	putf(&line, ",\"size\":%zu,\"hex\":", size);
	put_hex(&line, data, size);
	finish_and_send(events, &line);
}

void rkd_events_ringbuf(struct rkd_events *events, uint64_t time_ns, const char *object,
                        const char *map, const struct rk_btf *btf, uint32_t type_id,
                        const void *data, size_t size)
{
	if (!events->subscribers) {
		events->stats.emitted++;
		return;
	}
	struct line line;
	line_start(events, &line);
	put_head(&line, "ringbuf", time_ns, object);
	put(&line, ",\"map\":", 7);
	put_string(&line, map, strlen(map));
	putf(&line, ",\"size\":%zu,", size);
	if (btf && type_id && !line.truncated) {
		size_t mark = line.used;
		put(&line, "\"record\":", 9);
		int n = rk_btf_to_json(btf, type_id, data, size, line.buf + line.used,
		                       line.cap - line.used);
		if (n >= 0) {
			line.used += (size_t)n;
			finish_and_send(events, &line);
			return;
		}
		line.used = mark; /* does not decode or fit: fall back to hex */
	}
	put(&line, "\"hex\":", 6);
	put_hex(&line, data, size);
	finish_and_send(events, &line);
}

void rkd_events_notice(struct rkd_events *events, const char *object, const char *what,
                       const char *message)
{
	if (!events->subscribers) {
		events->stats.emitted++;
		return;
	}
	struct line line;
	line_start(events, &line);
	put_head(&line, "rkd", rkd_now_ns(), object);
	putf(&line, ",\"what\":\"%s\"", what);
	if (message) {
		put(&line, ",\"message\":", 11);
		put_string(&line, message, strlen(message));
	}
	finish_and_send(events, &line);
}
