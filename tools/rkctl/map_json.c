/*
 * map_json.c - rkctl's JSON view of maps (map dump, run --dump-maps).
 * Keys and values print through BTF (rk_btf_to_json) when the map's
 * definition names their types, as hex strings otherwise.
 */
#include "map_json.h"

#include <stdlib.h>
#include <string.h>

/* Entries printed per map at most: a dump is for reading, not for backup. */
#define MAP_JSON_MAX_ENTRIES 4096
#define MAP_JSON_VALUE_LEN 8192

void rkctl_print_json_string(FILE *out, const char *text)
{
	fputc('"', out);
	for (; *text; text++) {
		unsigned char c = (unsigned char)*text;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void print_bytes(FILE *out, const struct rk_btf *btf, uint32_t type_id, const void *data,
                        size_t size)
{
	if (btf && type_id) {
		char *text = malloc(MAP_JSON_VALUE_LEN);
		if (text && rk_btf_to_json(btf, type_id, data, size, text, MAP_JSON_VALUE_LEN) >= 0) {
			fputs(text, out);
			free(text);
			return;
		}
		free(text);
	}
	fputc('"', out);
	for (size_t i = 0; i < size; i++)
		fprintf(out, "%02x", ((const uint8_t *)data)[i]);
	fputc('"', out);
}

static void print_entries(FILE *out, struct rk_map *map, const struct rk_btf *btf)
{
	const struct rk_map_def *def = rk_map_def(map);
	uint8_t *key = calloc(1, def->key_size + 1), *next = calloc(1, def->key_size + 1);
	if (!key || !next) {
		free(key);
		free(next);
		return;
	}
	fprintf(out, ", \"entries\": [");
	int count = 0, has_key = 0;
	while (count < MAP_JSON_MAX_ENTRIES &&
	       rk_map_next_key(map, has_key ? key : NULL, next) == 0) {
		memcpy(key, next, def->key_size);
		has_key = 1;
		const void *value = rk_map_lookup(map, key);
		if (!value)
			continue;
		fprintf(out, "%s{\"key\": ", count ? ", " : "");
		print_bytes(out, btf, def->btf_key_type_id, key, def->key_size);
		fprintf(out, ", \"value\": ");
		if (def->type == RK_MAP_TIMESERIES) {
			struct rk_ts_window window;
			rk_timeseries_window(map, key, UINT64_MAX, UINT64_MAX, &window);
			fprintf(out, "{\"samples\": %llu, \"min\": %lld, \"max\": %lld, \"mean\": %lld}",
			        (unsigned long long)window.count, (long long)window.min,
			        (long long)window.max, (long long)window.mean);
		} else {
			print_bytes(out, btf, def->btf_value_type_id, value, def->value_size);
		}
		fputc('}', out);
		count++;
	}
	fputc(']', out);
	free(key);
	free(next);
}

void rkctl_print_maps_json(FILE *out, const struct rk_obj *obj)
{
	const struct rk_btf *btf = rk_obj_btf(obj);
	fprintf(out, "{\"maps\": [");
	for (size_t i = 0; i < rk_obj_map_count(obj); i++) {
		struct rk_map *map = rk_obj_map(obj, i);
		const struct rk_map_def *def = rk_map_def(map);
		fprintf(out, "%s\n  {\"name\": ", i ? "," : "");
		rkctl_print_json_string(out, def->name);
		fprintf(out,
		        ", \"type\": \"%s\", \"key_size\": %u, \"value_size\": %u, "
		        "\"max_entries\": %u, \"bytes\": %zu",
		        rk_map_type_name(def->type), def->key_size, def->value_size, def->max_entries,
		        rk_map_mem_bytes(map));
		switch (def->type) {
		case RK_MAP_RINGBUF:
			fprintf(out, ", \"available_bytes\": %llu, \"dropped\": %llu",
			        (unsigned long long)rk_ringbuf_query(map, 0),
			        (unsigned long long)rk_ringbuf_dropped(map));
			break;
		case RK_MAP_PROG_ARRAY:
		case RK_MAP_PERF_EVENT_ARRAY:
			break;
		default:
			print_entries(out, map, btf);
		}
		fputc('}', out);
	}
	const struct rk_budget *budget = rk_obj_budget(obj);
	fprintf(out, "\n], \"memory\": {\"used\": %zu, \"limit\": %zu}}\n", budget->used,
	        budget->limit ? budget->limit : (size_t)RK_DEFAULT_BUDGET);
}
