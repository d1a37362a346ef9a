/*
 * budget.c - per-object memory accounting.  Everything a loaded object
 * holds is allocated through here, so "unloading returns every byte" is a
 * checkable statement: budget->used goes back to zero.
 */
#include <errno.h>
#include <stdlib.h>

#include "vm_internal.h"

static size_t budget_limit(const struct rk_budget *budget)
{
	return budget->limit ? budget->limit : RK_DEFAULT_BUDGET;
}

int rk_budget_charge(struct rk_budget *budget, size_t size, const char *what, char *err,
                     size_t err_len)
{
	if (!budget)
		return 0;
	if (size > budget_limit(budget) || budget->used > budget_limit(budget) - size)
		return rk_set_err(err, err_len, -ENOSPC,
		                  "%s needs %zu bytes, but only %zu of the %zu-byte budget are left "
		                  "(%zu used)",
		                  what, size, budget_limit(budget) - budget->used,
		                  budget_limit(budget), budget->used);
	budget->used += size;
	if (budget->used > budget->peak)
		budget->peak = budget->used;
	return 0;
}

void rk_budget_uncharge(struct rk_budget *budget, size_t size)
{
	if (budget)
		budget->used -= size;
}

void *rk_budget_alloc(struct rk_budget *budget, size_t size, const char *what, char *err,
                      size_t err_len)
{
	if (rk_budget_charge(budget, size, what, err, err_len))
		return NULL;
	void *ptr = calloc(1, size ? size : 1);
	if (!ptr) {
		rk_budget_uncharge(budget, size);
		rk_set_err(err, err_len, -ENOMEM, "%s: out of memory allocating %zu bytes", what,
		           size);
		return NULL;
	}
	return ptr;
}

void rk_budget_free(struct rk_budget *budget, void *ptr, size_t size)
{
	if (!ptr)
		return;
	free(ptr);
	rk_budget_uncharge(budget, size);
}
