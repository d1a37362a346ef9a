/*
 * test_hook_hw_open.c - the hardware hooks where no hardware is: the errors
 * of a missing GPIO chip, IIO or UIO device, the IIO sample decoder
 * against scan_element types, and rk_sensor_last_timestamp with no scan.
 * (The hooks on real drivers: tests/hw/guest/{gpio,iio,uio}.sh.)
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../hooks/hook.h"
#include "../../hooks/hook_impl.h"

static int open_section(const char *section, char *err, size_t err_len)
{
	struct rk_hook_spec spec;
	int rc = rk_hook_parse_section(section, &spec, err, err_len);
	cr_assert_eq(rc, 0, "%s: %s", section, err);
	struct rk_hook *hook = NULL;
	rc = rk_hook_open(&spec, NULL, &hook, err, err_len);
	cr_assert_null(hook, "%s: opened without the device", section);
	return rc;
}

Test(hook_hw_open, gpio_missing_chip)
{
	char err[1024];
	int rc = open_section("gpio/rk-no-such-chip/1/rising", err, sizeof(err));
	cr_expect_eq(rc, -ENODEV, "%d: %s", rc, err);
	cr_expect_str_eq(err, "gpio rk-no-such-chip/1/rising: no GPIO chip rk-no-such-chip (looked "
	                      "up as a name, /dev path, number and label; gpiodetect lists the chips)");
}

Test(hook_hw_open, uio_missing_device)
{
	char err[1024];
	int rc = open_section("uio/uio-rk-no-such", err, sizeof(err));
	cr_expect_eq(rc, -ENODEV, "%d: %s", rc, err);
	const char *want = "uio uio-rk-no-such: no UIO device uio-rk-no-such (by uioN or the name in "
	                   "/sys/class/uio/uioN/name); this machine has: ";
	cr_expect(strncmp(err, want, strlen(want)) == 0, "%s", err);
}

Test(hook_hw_open, iio_missing_device)
{
	char err[1024];
	int rc = open_section("iio/rk-no-such-sensor", err, sizeof(err));
	cr_expect(rc == -ENODEV || rc == -ENOENT, "%d: %s", rc, err);
	cr_expect(strstr(err, "iio rk-no-such-sensor: no IIO device rk-no-such-sensor") ||
	                  strstr(err, "iio rk-no-such-sensor: cannot read the IIO devices"),
	          "%s", err);
}

Test(hook_hw_open, sensor_without_scans_is_unknown)
{
	uint64_t ts = 42;
	cr_expect_eq(rk_hook_sensor_timestamp(0, &ts), -ENOENT);
	cr_expect_eq(rk_hook_sensor_timestamp(1000000, &ts), -ENOENT);
	cr_expect_eq(ts, 42);
}

/* iio_dummy's scan_element types: le:u13/16>>0, le:s12/16>>0, le:s11/16>>0, le:s16/16>>0. */
Test(hook_hw_open, iio_decode_scan_element_types)
{
	uint8_t u13[2] = {0x07, 0x00};            /* 7 */
	cr_expect_eq(rk_iio_decode_sample(u13, 2, 13, 0, 0, 0), 7);
	uint8_t u13_top[2] = {0xff, 0xff};        /* bits above 13 are not the sample's */
	cr_expect_eq(rk_iio_decode_sample(u13_top, 2, 13, 0, 0, 0), 8191);
	uint8_t s12[2] = {0xdf, 0x0f};            /* 0xfdf: -33 in 12 bits */
	cr_expect_eq((int64_t)rk_iio_decode_sample(s12, 2, 12, 0, 1, 0), -33);
	uint8_t s11[2] = {0xfe, 0x07};            /* 0x7fe: -2 in 11 bits */
	cr_expect_eq((int64_t)rk_iio_decode_sample(s11, 2, 11, 0, 1, 0), -2);
	uint8_t s16[2] = {0x58, 0x01};            /* 344 */
	cr_expect_eq((int64_t)rk_iio_decode_sample(s16, 2, 16, 0, 1, 0), 344);
	uint8_t s16_neg[2] = {0x00, 0x80};
	cr_expect_eq((int64_t)rk_iio_decode_sample(s16_neg, 2, 16, 0, 1, 0), -32768);
}

Test(hook_hw_open, iio_decode_endianness_and_shift)
{
	/* be:s12/16>>4 (many ADCs): 0xffe0 >> 4 = 0xffe -> -2. */
	uint8_t be[2] = {0xff, 0xe0};
	cr_expect_eq((int64_t)rk_iio_decode_sample(be, 2, 12, 4, 1, 1), -2);
	/* le:u10/16>>6: 0x3ff << 6 = 0xffc0. */
	uint8_t le[2] = {0xc0, 0xff};
	cr_expect_eq(rk_iio_decode_sample(le, 2, 10, 6, 0, 0), 1023);
	/* le:s24/32>>0 */
	uint8_t s24[4] = {0xff, 0xff, 0xff, 0x00};
	cr_expect_eq((int64_t)rk_iio_decode_sample(s24, 4, 24, 0, 1, 0), -1);
	/* le:s64/64>>0: a timestamp */
	uint8_t s64[8] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
	cr_expect_eq(rk_iio_decode_sample(s64, 8, 64, 0, 1, 0), 0x0807060504030201ull);
	/* be:u8/8 */
	uint8_t u8[1] = {0xfe};
	cr_expect_eq(rk_iio_decode_sample(u8, 1, 8, 0, 0, 1), 254);
}
