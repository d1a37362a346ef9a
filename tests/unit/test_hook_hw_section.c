/*
 * test_hook_hw_section.c - the hardware hooks' SEC() names
 * (gpio/CHIP/LINE/EDGE, iio/DEVICE, uio/DEVICE): every accepted form, every
 * malformed one with its exact message, and the context each gives its
 * programs (ctx_desc.c).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <string.h>

#include "../../hooks/ctx_desc.h"
#include "../../hooks/hook.h"
#include "../../include/rkbpf/rkbpf_hw.h"

static struct rk_hook_spec parse_ok(const char *section)
{
	struct rk_hook_spec spec;
	char err[1024];
	int rc = rk_hook_parse_section(section, &spec, err, sizeof(err));
	cr_assert_eq(rc, 0, "%s: %s", section, err);
	return spec;
}

Test(hook_hw_section, gpio_every_edge)
{
	struct rk_hook_spec spec = parse_ok("gpio/gpiochip0/17/rising");
	cr_assert_eq(spec.kind, RK_HOOK_GPIO);
	cr_assert_str_eq(spec.path, "gpiochip0");
	cr_assert_eq(spec.line, 17);
	cr_assert_eq(spec.edge, RK_HOOK_EDGE_RISING);
	cr_assert_eq(parse_ok("gpio/gpiochip0/0/falling").edge, RK_HOOK_EDGE_FALLING);
	cr_assert_eq(parse_ok("gpio/gpiochip0/0/both").edge, RK_HOOK_EDGE_BOTH);
	cr_assert_eq(parse_ok("gpio/gpiochip0/0x1f/both").line, 31);
}

Test(hook_hw_section, gpio_chip_by_label_and_path)
{
	struct rk_hook_spec spec = parse_ok("gpio/rk-sim/3/both");
	cr_assert_str_eq(spec.path, "rk-sim");
	spec = parse_ok("gpio//dev/gpiochip2/5/rising");
	cr_assert_str_eq(spec.path, "/dev/gpiochip2");
	cr_assert_eq(spec.line, 5);
	spec = parse_ok("gpio/pinctrl-bcm2711.0/4/falling");
	cr_assert_str_eq(spec.path, "pinctrl-bcm2711.0");
}

Test(hook_hw_section, iio_and_uio)
{
	struct rk_hook_spec spec = parse_ok("iio/iio:device0");
	cr_assert_eq(spec.kind, RK_HOOK_IIO);
	cr_assert_str_eq(spec.path, "iio:device0");
	cr_assert_str_eq(parse_ok("iio/rkimu").path, "rkimu");
	spec = parse_ok("uio/uio0");
	cr_assert_eq(spec.kind, RK_HOOK_UIO);
	cr_assert_str_eq(spec.path, "uio0");
	cr_assert_str_eq(parse_ok("uio/uio_pci_generic").path, "uio_pci_generic");
}

#define GPIO_FORM                                                                           \
	"write gpio/CHIP/LINE/EDGE with EDGE rising, falling or both (CHIP: gpiochipN, its " \
	"label or /dev/gpiochipN), as in gpio/gpiochip0/17/rising"

static const struct {
	const char *section;
	const char *message;
} bad_sections[] = {
	{"gpio", "\"gpio\": no attach point after \"gpio\"; " GPIO_FORM},
	{"gpio/", "\"gpio/\": no CHIP/LINE/EDGE; " GPIO_FORM},
	{"gpio/gpiochip0", "\"gpio/gpiochip0\": no /LINE/EDGE after \"gpiochip0\"; " GPIO_FORM},
	{"gpio/gpiochip0/17",
	 "\"gpio/gpiochip0/17\": \"gpiochip0/17\" is not CHIP/LINE/EDGE (EDGE is required); " GPIO_FORM},
	{"gpio/gpiochip0/17/up",
	 "\"gpio/gpiochip0/17/up\": EDGE \"up\" is not rising, falling or both; " GPIO_FORM},
	{"gpio/gpiochip0/x/rising",
	 "\"gpio/gpiochip0/x/rising\": LINE \"x\" is not a line number; " GPIO_FORM},
	{"gpio/gpiochip0//rising",
	 "\"gpio/gpiochip0//rising\": LINE \"\" is not a line number; " GPIO_FORM},
	{"gpio/gpiochip0/99999999999/rising",
	 "\"gpio/gpiochip0/99999999999/rising\": LINE \"99999999999\" is not a line number; " GPIO_FORM},
	{"gpio//17/rising", "\"gpio//17/rising\": no CHIP; " GPIO_FORM},
	{"gpio/gpio chip/1/rising",
	 "\"gpio/gpio chip/1/rising\": CHIP \"gpio chip\" has a ' '; a CHIP is letters, digits, '_', '-', '.', ':' and '/'"},
	{"iio", "\"iio\": no attach point after \"iio\"; write iio/DEVICE (iio:deviceN or the device's name), as in iio/iio:device0"},
	{"iio/", "\"iio/\": no DEVICE; write iio/DEVICE (iio:deviceN or the device's name), as in iio/iio:device0"},
	{"iio/imu$", "\"iio/imu$\": DEVICE \"imu$\" has a '$'; a DEVICE is letters, digits, '_', '-', '.', ':' and '/'"},
	{"uio", "\"uio\": no attach point after \"uio\"; write uio/DEVICE (uioN or the device's name), as in uio/uio0"},
	{"uio/", "\"uio/\": no DEVICE; write uio/DEVICE (uioN or the device's name), as in uio/uio0"},
};

Test(hook_hw_section, every_bad_form_and_its_message)
{
	for (size_t i = 0; i < sizeof(bad_sections) / sizeof(bad_sections[0]); i++) {
		struct rk_hook_spec spec;
		char err[1024];
		int rc = rk_hook_parse_section(bad_sections[i].section, &spec, err, sizeof(err));
		cr_expect_eq(rc, -EINVAL, "%s: accepted", bad_sections[i].section);
		cr_expect_str_eq(err, bad_sections[i].message, "%s", bad_sections[i].section);
	}
}

Test(hook_hw_section, contexts_are_the_public_structs_read_only)
{
	static const struct {
		const char *section;
		const char *name;
		uint32_t size;
	} cases[] = {
		{"gpio/gpiochip0/17/rising", "struct rk_gpio_event", sizeof(struct rk_gpio_event)},
		{"iio/iio:device0", "struct rk_iio_scan", sizeof(struct rk_iio_scan)},
		{"uio/uio0", "struct rk_uio_event", sizeof(struct rk_uio_event)},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rk_ctx_desc_buf buf;
		char err[512];
		int rc = rk_ctx_desc_for_section(cases[i].section, &buf, err, sizeof(err));
		cr_assert_eq(rc, 0, "%s: %s", cases[i].section, err);
		cr_assert_not_null(buf.ctx);
		cr_expect_str_eq(buf.ctx->name, cases[i].name);
		cr_expect_eq(buf.ctx->size, cases[i].size);
		cr_expect_null(buf.ctx->writable, "%s: writable", cases[i].section);
	}
	/* The layouts program authors compile against. */
	cr_expect_eq(sizeof(struct rk_gpio_event), 24);
	cr_expect_eq(sizeof(struct rk_iio_scan), 16 + 8 * RK_IIO_MAX_CHANNELS);
	cr_expect_eq(sizeof(struct rk_uio_event), 16);
}
