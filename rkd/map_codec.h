/*
 * map_codec.h - map keys and values between bytes and JSON, through the
 * object's BTF: what lets `rkctl map set motor_guard limits 0
 * '{"max_current_ma": 1500}'` patch one field of a struct on a running robot.
 * Without a BTF type, integers of 1, 2, 4 or 8 bytes and hex strings work.
 */
#ifndef RKD_MAP_CODEC_H
#define RKD_MAP_CODEC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "rkbpf.h"

/*
 * Write value, as type_id of btf describes it (0: no type), over the size
 * bytes at out.  Fields the JSON leaves out keep the bytes already in out:
 * pass the current value to patch it, zeros to start afresh.  what names
 * the thing in messages ("key", "value").  0, or -EINVAL with err naming
 * the field path and the rule ("value.max_current_ma: 70000 does not fit in
 * an unsigned 16-bit integer").
 */
int rkd_map_encode(const struct rk_btf *btf, uint32_t type_id, json_t *value, void *out,
                   size_t size, const char *what, char *err, size_t err_len);

/* Exactly size bytes from hex text ("0a000000", "0a 00 00 00", "0x0a000000"). */
int rkd_hex_decode(const char *text, void *out, size_t size, const char *what, char *err,
                   size_t err_len);

/* The bytes as JSON through BTF when type_id is known, else a hex string; NULL on ENOMEM. */
json_t *rkd_map_decode(const struct rk_btf *btf, uint32_t type_id, const void *data,
                       size_t size);
json_t *rkd_hex_string(const void *data, size_t size);

#endif
