/*
 * map_json.h - an object's maps as JSON: definitions, memory, and every
 * entry with keys and values decoded through BTF when their types are known.
 */
#ifndef RK_RKCTL_MAP_JSON_H
#define RK_RKCTL_MAP_JSON_H

#include <stdio.h>

#include "rkbpf.h"

void rkctl_print_maps_json(FILE *out, const struct rk_obj *obj);
/* text as a JSON string, quotes included. */
void rkctl_print_json_string(FILE *out, const char *text);

#endif
