/*
 * test_rkd_hw_config.c - rkd.conf's [iio DEVICE] and [uio DEVICE] sections
 * (rkd/config.c): what they hold, and errors that name the file, the line
 * and the key.  Whether a channel or trigger exists is the hook's to say
 * at attach (tests/hw/guest/iio.sh).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../rkd/config.h"

static struct rkd_config *config;
static char err[RKD_CONFIG_ERR_LEN];

static void setup(void)
{
	config = malloc(sizeof(*config));
	cr_assert_not_null(config);
}

static void teardown(void)
{
	free(config);
}

static int parse(const char *text)
{
	rkd_config_defaults(config);
	err[0] = '\0';
	return rkd_config_parse_string(text, "hw.conf", config, err, sizeof(err));
}

TestSuite(rkd_hw_config, .init = setup, .fini = teardown);

Test(rkd_hw_config, iio_sections)
{
	cr_assert_eq(parse("[iio rkimu]\ntrigger = rktrig\nchannels = voltage0, accel_x\n"
	                   "[iio iio:device3]\nchannels=voltage1-voltage2\n"),
	             0, "%s", err);
	cr_assert_eq(config->iio_count, 2);
	const struct rkd_iio_config *iio = rkd_config_iio(config, "rkimu");
	cr_assert_not_null(iio);
	cr_assert_str_eq(iio->trigger, "rktrig");
	cr_assert_str_eq(iio->channels, "voltage0, accel_x");
	cr_assert_eq(iio->section_line, 1);
	cr_assert_eq(iio->trigger_line, 2);
	cr_assert_eq(iio->channels_line, 3);
	iio = rkd_config_iio(config, "iio:device3");
	cr_assert_not_null(iio);
	cr_assert_str_eq(iio->trigger, "");
	cr_assert_str_eq(iio->channels, "voltage1-voltage2");
	cr_assert_null(rkd_config_iio(config, "rkimu2"));
	cr_assert_str_eq(config->source, "hw.conf");
}

Test(rkd_hw_config, iio_errors)
{
	cr_assert_eq(parse("[iio rkimu]\nchannels = voltage0,,accel_x\n"), -EINVAL);
	cr_assert(strstr(err, "hw.conf:2: key 'channels': wants scan element names separated by "
	                      "commas"), "%s", err);
	cr_assert_eq(parse("[iio rkimu]\nchannels = voltage0 accel_x\n"), -EINVAL);
	cr_assert(strstr(err, "hw.conf:2: key 'channels': wants scan element names"), "%s", err);
	cr_assert_eq(parse("[iio rkimu]\nchannels = voltage0, volt*\n"), -EINVAL);
	cr_assert_str_eq(err, "hw.conf:2: key 'channels': 'volt*' is not a scan element name "
	                      "(letters, digits, _ and -)");
	cr_assert_eq(parse("[iio rkimu]\n\nchannels = accel_x, voltage0, accel_x\n"), -EINVAL);
	cr_assert_str_eq(err, "hw.conf:3: key 'channels': 'accel_x' is named twice");
	cr_assert_eq(parse("[iio rkimu]\ntrigger = a b\n"), -EINVAL);
	cr_assert(strstr(err, "hw.conf:2: key 'trigger': wants an IIO trigger's name"), "%s", err);
	cr_assert_eq(parse("[iio rkimu]\ntriger = rktrig\n"), -EINVAL);
	cr_assert_str_eq(err, "hw.conf:2: key 'triger': unknown key in [iio rkimu]; it knows "
	                      "trigger, channels");
	cr_assert_eq(parse("[iio rkimu]\ntrigger = t\n[iio rkimu]\nchannels = voltage0\n"), -EINVAL);
	cr_assert_str_eq(err, "hw.conf:4: key 'channels': [iio rkimu] is declared twice (first at "
	                      "line 1); give each device one section");
	cr_assert_eq(parse("[iio a*b]\ntrigger = t\n"), -EINVAL);
	cr_assert(strstr(err, "hw.conf:2: key 'trigger': [iio a*b]: DEVICE is the device as the "
	                      "program's SEC(\"iio/DEVICE\") names it"), "%s", err);
}

Test(rkd_hw_config, uio_sections)
{
	cr_assert_eq(parse("[uio uio_pci_generic]\nmap = 0\nreadable = 0x0-0x100\n"
	                   "writable = 0x64 - 0x68\n[uio uio0]\nmap = 1\n"),
	             0, "%s", err);
	cr_assert_eq(config->uio_count, 2);
	const struct rkd_uio_config *uio = rkd_config_uio(config, "uio_pci_generic");
	cr_assert_not_null(uio);
	cr_assert_eq(uio->map, 0);
	cr_assert(uio->has_readable);
	cr_assert_eq(uio->read_start, 0);
	cr_assert_eq(uio->read_end, 0x100);
	cr_assert(uio->has_writable);
	cr_assert_eq(uio->write_start, 0x64);
	cr_assert_eq(uio->write_end, 0x68);
	cr_assert_eq(uio->readable_line, 3);
	cr_assert_eq(uio->writable_line, 4);
	/* Without readable: the whole map, read-only (no writable). */
	uio = rkd_config_uio(config, "uio0");
	cr_assert_not_null(uio);
	cr_assert_eq(uio->map, 1);
	cr_assert_not(uio->has_readable);
	cr_assert_not(uio->has_writable);
	cr_assert_eq(uio->section_line, 5);
}

Test(rkd_hw_config, uio_errors)
{
	cr_assert_eq(parse("[uio uio0]\nreadable = 0x100-0x100\n"), -EINVAL);
	cr_assert_str_eq(err, "hw.conf:2: key 'readable': wants a byte range START-END of the map, "
	                      "END excluded and above START (0x0-0x100), got '0x100-0x100'");
	cr_assert_eq(parse("[uio uio0]\nwritable = 0x64\n"), -EINVAL);
	cr_assert(strstr(err, "hw.conf:2: key 'writable': wants a byte range"), "%s", err);
	cr_assert_eq(parse("[uio uio0]\nreadable = -1-4\n"), -EINVAL);
	cr_assert(strstr(err, "hw.conf:2: key 'readable': wants a byte range"), "%s", err);
	cr_assert_eq(parse("[uio uio0]\nmap = 5\n"), -EINVAL);
	cr_assert_str_eq(err, "hw.conf:2: key 'map': wants the map of /dev/uioN to reach, 0..4 (as "
	                      "in /sys/class/uio/uioN/maps/mapN), got '5'");
	cr_assert_eq(parse("[uio uio0]\nmap = 0\nwriteable = 0-4\n"), -EINVAL);
	cr_assert_str_eq(err, "hw.conf:3: key 'writeable': unknown key in [uio uio0]; it knows "
	                      "map, readable, writable");
}
