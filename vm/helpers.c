/*
 * helpers.c - the helper registry: helper id -> function and prototype.
 *
 * The standard helpers (libbpf's ids), rkBPF's robotics helpers and the
 * helpers that rkd and hooks add all go through rk_helpers_register(); the
 * verifier reads prototypes from here, the interpreters and JITs read
 * functions.  Entries are kept sorted by id: lookups are a binary search at
 * program load time (rk_prog_new resolves each call site once), so the
 * registry's speed never matters on the hot path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vm_internal.h"

struct rk_helper_entry {
	uint32_t id;
	rk_helper_fn fn;
	struct rk_helper_proto proto;
};

struct rk_helpers {
	struct rk_helper_entry *entries; /* sorted by id */
	size_t count;
	size_t capacity;
};

struct rk_helpers *rk_helpers_new(void)
{
	return calloc(1, sizeof(struct rk_helpers));
}

void rk_helpers_free(struct rk_helpers *helpers)
{
	if (!helpers)
		return;
	free(helpers->entries);
	free(helpers);
}

/* Index of the first entry with id >= wanted. */
static size_t lower_bound(const struct rk_helpers *helpers, uint32_t wanted)
{
	size_t low = 0, high = helpers->count;
	while (low < high) {
		size_t mid = low + (high - low) / 2;
		if (helpers->entries[mid].id < wanted)
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

static const struct rk_helper_entry *find(const struct rk_helpers *helpers, uint32_t id)
{
	if (!helpers)
		return NULL;
	size_t at = lower_bound(helpers, id);
	if (at < helpers->count && helpers->entries[at].id == id)
		return &helpers->entries[at];
	return NULL;
}

int rk_helpers_register(struct rk_helpers *helpers, uint32_t id, rk_helper_fn fn,
                        const struct rk_helper_proto *proto, char *err, size_t err_len)
{
	const char *name = proto && proto->name ? proto->name : "(unnamed)";
	if (!helpers || !fn)
		return rk_set_err(err, err_len, -EINVAL, "helper %u (%s): no registry or function",
		                  id, name);
	if (id >= RK_HELPER_ID_MAX)
		return rk_set_err(err, err_len, -ERANGE, "helper %u (%s): ids must be below %u", id,
		                  name, RK_HELPER_ID_MAX);
	size_t at = lower_bound(helpers, id);
	if (at < helpers->count && helpers->entries[at].id == id)
		return rk_set_err(err, err_len, -EEXIST,
		                  "helper %u (%s): id already registered to %s", id, name,
		                  helpers->entries[at].proto.name ? helpers->entries[at].proto.name
		                                                  : "(unnamed)");
	if (helpers->count == helpers->capacity) {
		size_t capacity = helpers->capacity ? helpers->capacity * 2 : 32;
		struct rk_helper_entry *grown =
			realloc(helpers->entries, capacity * sizeof(*grown));
		if (!grown)
			return rk_set_err(err, err_len, -ENOMEM, "helper %u (%s): out of memory", id,
			                  name);
		helpers->entries = grown;
		helpers->capacity = capacity;
	}
	memmove(&helpers->entries[at + 1], &helpers->entries[at],
	        (helpers->count - at) * sizeof(helpers->entries[0]));
	struct rk_helper_entry *entry = &helpers->entries[at];
	entry->id = id;
	entry->fn = fn;
	if (proto)
		entry->proto = *proto;
	else
		memset(&entry->proto, 0, sizeof(entry->proto));
	helpers->count++;
	return 0;
}

rk_helper_fn rk_helpers_fn(const struct rk_helpers *helpers, uint32_t id)
{
	const struct rk_helper_entry *entry = find(helpers, id);
	return entry ? entry->fn : NULL;
}

const struct rk_helper_proto *rk_helpers_proto(const struct rk_helpers *helpers, uint32_t id)
{
	const struct rk_helper_entry *entry = find(helpers, id);
	return entry ? &entry->proto : NULL;
}

void rk_run_abort(struct rk_run *run, uint64_t retval)
{
	run->aborted = true;
	run->abort_retval = retval;
}

void *rk_run_user(const struct rk_run *run)
{
	return run->user;
}
