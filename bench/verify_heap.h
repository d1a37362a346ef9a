/*
 * verify_heap.h - a counting allocator for rk-verify-bench: every
 * malloc, calloc, realloc and free of the binary goes through it (the link
 * wraps them: -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free),
 * so the peak heap of a call is measured from outside the code measured.
 *
 * What must stay true: only a binary linked with those --wrap options may
 * contain verify_heap.c (its __wrap_* call __real_*, which exist only
 * then).  Bytes are malloc_usable_size(), what the allocator really gave,
 * not what was asked for; allocator metadata and libc's own internal
 * allocations (which do not go through the wrapped symbols) are not
 * counted.  Not thread-safe: the benchmark runs on one thread.
 */
#ifndef RK_VERIFY_HEAP_H
#define RK_VERIFY_HEAP_H

#include <stddef.h>

/* Start a measurement: the bytes live now are its zero. */
void heap_count_reset(void);
/* The most bytes live at once since the reset, above the bytes live then. */
size_t heap_count_peak(void);
/* Bytes live now above the reset's (negative: more freed than allocated). */
long long heap_count_live(void);

/* The wrappers the linker substitutes for the libc functions. */
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *ptr, size_t size);
void __wrap_free(void *ptr);

#endif
