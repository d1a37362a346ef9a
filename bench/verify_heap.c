/*
 * verify_heap.c - the counting allocator of verify_heap.h.
 */
#include "verify_heap.h"

#include <malloc.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *ptr, size_t size);
void __real_free(void *ptr);

/* Since the program started; signed: a reset may come after allocations
 * that are freed later. */
static long long live_bytes, peak_bytes, reset_bytes;

static void count_add(void *ptr)
{
	if (!ptr)
		return;
	live_bytes += (long long)malloc_usable_size(ptr);
	if (live_bytes > peak_bytes)
		peak_bytes = live_bytes;
}

static void count_sub(void *ptr)
{
	if (ptr)
		live_bytes -= (long long)malloc_usable_size(ptr);
}

void heap_count_reset(void)
{
	reset_bytes = peak_bytes = live_bytes;
}

size_t heap_count_peak(void)
{
	return (size_t)(peak_bytes - reset_bytes);
}

long long heap_count_live(void)
{
	return live_bytes - reset_bytes;
}

void *__wrap_malloc(size_t size)
{
	void *ptr = __real_malloc(size);
	count_add(ptr);
	return ptr;
}

void *__wrap_calloc(size_t count, size_t size)
{
	void *ptr = __real_calloc(count, size);
	count_add(ptr);
	return ptr;
}

void *__wrap_realloc(void *ptr, size_t size)
{
	size_t old_bytes = ptr ? malloc_usable_size(ptr) : 0;
	void *fresh = __real_realloc(ptr, size);

	/* NULL with size > 0: ptr is untouched.  With size 0, glibc frees ptr. */
	if (!fresh && size != 0)
		return NULL;
	/* A block that moved was live twice over for a moment: count it so. */
	if (fresh && fresh != ptr)
		count_add(fresh);
	live_bytes -= (long long)old_bytes;
	if (fresh == ptr)
		count_add(fresh);
	return fresh;
}

void __wrap_free(void *ptr)
{
	count_sub(ptr);
	__real_free(ptr);
}
