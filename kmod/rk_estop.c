// SPDX-License-Identifier: GPL-2.0
/*
 * rk_estop - rkBPF's fallback emergency stop (docs/estop.md).
 *
 * rkd heartbeats this module (a write to /sys/kernel/rk_estop/heartbeat every
 * heartbeat_ms).  When the heartbeats stop for timeout_ms -- rkd killed, hung,
 * or its machine's userspace gone -- the module drives the configured GPIO
 * lines to their safe level and disables the configured PWM channels.  An
 * optional e-stop input (a GPIO line's interrupt) trips the same safe state
 * with no userspace at all.  Once tripped, the stop is latched until a write
 * to /sys/kernel/rk_estop/reset.
 *
 * Parameters (insmod rk_estop.ko ...):
 *   timeout_ms=500              heartbeat timeout (the watchdog is armed by
 *                               the first heartbeat, disarmed by a trip or reset)
 *   gpios=LABEL:OFFSET:LEVEL,.. GPIO lines to drive to LEVEL (chip by label)
 *   pwms=BUS:DEVICE:CHANNEL,..  PWM channels to disable; the chip by its parent
 *                               device: i2c:0-0040:0, platform:NAME:1
 *   input=LABEL:OFFSET:EDGE     the e-stop input line; EDGE rising or falling
 *
 * Sysfs, /sys/kernel/rk_estop/: heartbeat (w: beat, arms), trip (w: trip now),
 * reset (w: clear the latch, disarm), state (r: one line).
 *
 * The one thing to know: outputs are looked up again at every trip (by chip
 * label, by parent device), so the module holds no pointer into a chip that
 * may go away; the input line is requested (and its IRQ held) for the
 * module's life.  Driving happens in process context (a delayed work for the
 * watchdog, the threaded IRQ for the input): I2C PWM chips and gpio-sim sleep.
 */
#include <linux/device.h>
#include <linux/gpio.h>
#include <linux/gpio/consumer.h>
#include <linux/gpio/driver.h>
#include <linux/i2c.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/pwm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#define RK_MAX_OUTPUTS 8
#define RK_NAME_LEN 48

static unsigned int timeout_ms = 500;
module_param(timeout_ms, uint, 0444);
MODULE_PARM_DESC(timeout_ms, "heartbeat timeout in ms (default 500)");
static char *gpios = "";
module_param(gpios, charp, 0444);
MODULE_PARM_DESC(gpios, "GPIO lines to drive safe: LABEL:OFFSET:LEVEL[,...]");
static char *pwms = "";
module_param(pwms, charp, 0444);
MODULE_PARM_DESC(pwms, "PWM channels to disable: BUS:DEVICE:CHANNEL[,...] (i2c:0-0040:0)");
static char *input = "";
module_param(input, charp, 0444);
MODULE_PARM_DESC(input, "e-stop input line: LABEL:OFFSET:rising|falling");

struct rk_gpio_out {
	char label[RK_NAME_LEN];
	unsigned int offset;
	int level;
};

struct rk_pwm_out {
	struct bus_type *bus;
	char device[RK_NAME_LEN];
	unsigned int channel;
};

static struct rk_gpio_out gpio_outs[RK_MAX_OUTPUTS];
static unsigned int gpio_out_count;
static struct rk_pwm_out pwm_outs[RK_MAX_OUTPUTS];
static unsigned int pwm_out_count;

static struct {
	char label[RK_NAME_LEN];
	unsigned int offset;
	bool rising;
	int gpio;                  /* the global number, requested; -1 */
	int irq;                   /* -1 */
	ktime_t edge_ns;           /* the hard IRQ's time */
} in = {.gpio = -1, .irq = -1};

static DEFINE_MUTEX(lock);     /* trips, resets, the state below */
static bool armed, tripped;
static const char *trip_reason = "";
static u64 trip_count, heartbeat_count;
static ktime_t trip_time;      /* ktime_get() of the trip */
static s64 trip_latency_ns;    /* cause (timeout, edge, write) -> outputs written */
static int trip_errors;
static struct delayed_work watchdog_work;
static struct kobject *rk_kobj;

/* ---- configuration ------------------------------------------------ */

/* Split "a:b:c" in place into 3 fields. */
static int split3(char *text, char **a, char **b, char **c)
{
	*a = strsep(&text, ":");
	*b = text ? strsep(&text, ":") : NULL;
	*c = text;
	return *a && *b && *c && **a && **b && **c ? 0 : -EINVAL;
}

static int parse_gpios(void)
{
	char *copy, *cursor, *item;
	int rc = 0;
	if (!gpios || !*gpios)
		return 0;
	copy = kstrdup(gpios, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	cursor = copy;
	while (!rc && (item = strsep(&cursor, ",")) != NULL) {
		char *label, *offset, *level;
		struct rk_gpio_out *out;
		if (!*item)
			continue;
		if (gpio_out_count == RK_MAX_OUTPUTS) {
			pr_err("rk_estop: gpios: more than %d lines\n", RK_MAX_OUTPUTS);
			rc = -E2BIG;
			break;
		}
		out = &gpio_outs[gpio_out_count];
		if (split3(item, &label, &offset, &level) || strlen(label) >= RK_NAME_LEN ||
		    kstrtouint(offset, 0, &out->offset) || kstrtoint(level, 0, &out->level) ||
		    (out->level != 0 && out->level != 1)) {
			pr_err("rk_estop: gpios: '%s' is not LABEL:OFFSET:LEVEL (LEVEL 0 or 1)\n", item);
			rc = -EINVAL;
			break;
		}
		strscpy(out->label, label, sizeof(out->label));
		gpio_out_count++;
	}
	kfree(copy);
	return rc;
}

static int parse_pwms(void)
{
	char *copy, *cursor, *item;
	int rc = 0;
	if (!pwms || !*pwms)
		return 0;
	copy = kstrdup(pwms, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	cursor = copy;
	while (!rc && (item = strsep(&cursor, ",")) != NULL) {
		char *bus, *device, *channel;
		struct rk_pwm_out *out;
		if (!*item)
			continue;
		if (pwm_out_count == RK_MAX_OUTPUTS) {
			pr_err("rk_estop: pwms: more than %d channels\n", RK_MAX_OUTPUTS);
			rc = -E2BIG;
			break;
		}
		out = &pwm_outs[pwm_out_count];
		if (split3(item, &bus, &device, &channel) || strlen(device) >= RK_NAME_LEN ||
		    kstrtouint(channel, 0, &out->channel)) {
			pr_err("rk_estop: pwms: '%s' is not BUS:DEVICE:CHANNEL (i2c:0-0040:0)\n", item);
			rc = -EINVAL;
			break;
		}
		if (strcmp(bus, "i2c") == 0) {
			out->bus = &i2c_bus_type;
		} else if (strcmp(bus, "platform") == 0) {
			out->bus = &platform_bus_type;
		} else {
			pr_err("rk_estop: pwms: bus '%s' unknown: i2c or platform\n", bus);
			rc = -EINVAL;
			break;
		}
		strscpy(out->device, device, sizeof(out->device));
		pwm_out_count++;
	}
	kfree(copy);
	return rc;
}

static int match_label(struct gpio_chip *gc, void *data)
{
	return gc->label && strcmp(gc->label, data) == 0;
}

/* The chip's global GPIO number for label:offset, or a negative errno. */
static int gpio_number(const char *label, unsigned int offset)
{
	struct gpio_chip *gc = gpiochip_find((void *)label, match_label);
	if (!gc)
		return -ENODEV;
	if (offset >= gc->ngpio)
		return -ERANGE;
	return gc->base + (int)offset;
}

/* ---- the safe state ------------------------------------------------- */

static int match_pwmchip(struct device *dev, void *data)
{
	return strncmp(dev_name(dev), "pwmchip", 7) == 0;
}

/* The pwmchipN class device under out's device (a reference: put_device), and its chip. */
static int find_pwm(const struct rk_pwm_out *out, struct device **child_out,
                    struct pwm_chip **chip_out)
{
	struct device *dev, *child;
	struct pwm_chip *chip;
	dev = bus_find_device_by_name(out->bus, NULL, out->device);
	if (!dev)
		return -ENODEV;
	child = device_find_child(dev, NULL, match_pwmchip);
	put_device(dev);
	if (!child)
		return -ENOENT;
	chip = dev_get_drvdata(child);
	if (!chip || out->channel >= chip->npwm) {
		put_device(child);
		return -ERANGE;
	}
	*child_out = child;
	*chip_out = chip;
	return 0;
}

static int disable_pwm(const struct rk_pwm_out *out)
{
	struct device *child;
	struct pwm_chip *chip;
	struct pwm_state state;
	int rc = find_pwm(out, &child, &chip);
	if (rc)
		return rc;
	pwm_get_state(&chip->pwms[out->channel], &state);
	state.enabled = false;
	state.duty_cycle = 0;
	/* The core refuses a period of 0 even to disable: keep any valid one. */
	if (!state.period)
		state.period = 1;
	rc = pwm_apply_state(&chip->pwms[out->channel], &state);
	put_device(child);
	return rc;
}

/* Drive every output safe; called with lock held, in process context. */
static void drive_safe(const char *reason, ktime_t cause)
{
	unsigned int i;
	int errors = 0;
	for (i = 0; i < gpio_out_count; i++) {
		const struct rk_gpio_out *out = &gpio_outs[i];
		int number = gpio_number(out->label, out->offset);
		int rc = number < 0 ? number
		                    : gpiod_direction_output_raw(gpio_to_desc(number), out->level);
		if (rc) {
			errors++;
			pr_err("rk_estop: %s: gpio %s:%u -> %d: error %d\n", reason, out->label,
			       out->offset, out->level, rc);
		}
	}
	for (i = 0; i < pwm_out_count; i++) {
		int rc = disable_pwm(&pwm_outs[i]);
		if (rc) {
			errors++;
			pr_err("rk_estop: %s: pwm %s channel %u: error %d\n", reason,
			       pwm_outs[i].device, pwm_outs[i].channel, rc);
		}
	}
	trip_latency_ns = ktime_to_ns(ktime_sub(ktime_get(), cause));
	trip_errors = errors;
}

static void trip(const char *reason, ktime_t cause)
{
	mutex_lock(&lock);
	armed = false;
	if (!tripped) {
		tripped = true;
		trip_reason = reason;
		trip_time = ktime_get();
		trip_count++;
		drive_safe(reason, cause);
		pr_warn("rk_estop: TRIPPED (%s): %u gpio line(s), %u pwm channel(s) driven safe in "
		        "%lld ns, %d error(s)\n",
		        reason, gpio_out_count, pwm_out_count, trip_latency_ns, trip_errors);
	}
	mutex_unlock(&lock);
}

static void watchdog_fn(struct work_struct *work)
{
	bool expired;
	mutex_lock(&lock);
	expired = armed;
	mutex_unlock(&lock);
	if (expired)
		trip("watchdog", ktime_get());
}

static irqreturn_t input_hard(int irq, void *data)
{
	in.edge_ns = ktime_get();
	return IRQ_WAKE_THREAD;
}

static irqreturn_t input_thread(int irq, void *data)
{
	trip("input", in.edge_ns);
	return IRQ_HANDLED;
}

/* ---- sysfs ------------------------------------------------------------ */

static ssize_t heartbeat_store(struct kobject *kobj, struct kobj_attribute *attr,
                               const char *buf, size_t count)
{
	mutex_lock(&lock);
	heartbeat_count++;
	if (!tripped) {
		armed = true;
		mod_delayed_work(system_highpri_wq, &watchdog_work, msecs_to_jiffies(timeout_ms));
	}
	mutex_unlock(&lock);
	return count;
}

static ssize_t trip_store(struct kobject *kobj, struct kobj_attribute *attr, const char *buf,
                          size_t count)
{
	trip("manual", ktime_get());
	return count;
}

static ssize_t reset_store(struct kobject *kobj, struct kobj_attribute *attr, const char *buf,
                           size_t count)
{
	cancel_delayed_work_sync(&watchdog_work);
	mutex_lock(&lock);
	if (tripped)
		pr_info("rk_estop: reset (was tripped by %s)\n", trip_reason);
	tripped = false;
	armed = false;
	trip_reason = "";
	mutex_unlock(&lock);
	return count;
}

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	ssize_t len;
	mutex_lock(&lock);
	if (tripped)
		len = sysfs_emit(buf,
		                 "tripped reason=%s ago_ms=%lld latency_ns=%lld errors=%d trips=%llu "
		                 "heartbeats=%llu\n",
		                 trip_reason, ktime_ms_delta(ktime_get(), trip_time), trip_latency_ns,
		                 trip_errors, trip_count, heartbeat_count);
	else
		len = sysfs_emit(buf, "%s trips=%llu heartbeats=%llu timeout_ms=%u\n",
		                 armed ? "armed" : "idle", trip_count, heartbeat_count, timeout_ms);
	mutex_unlock(&lock);
	return len;
}

static struct kobj_attribute heartbeat_attr = __ATTR_WO(heartbeat);
static struct kobj_attribute trip_attr = __ATTR_WO(trip);
static struct kobj_attribute reset_attr = __ATTR_WO(reset);
static struct kobj_attribute state_attr = __ATTR_RO(state);

static struct attribute *rk_attrs[] = {
	&heartbeat_attr.attr, &trip_attr.attr, &reset_attr.attr, &state_attr.attr, NULL,
};
static const struct attribute_group rk_group = {.attrs = rk_attrs};

/* ---- life cycle ------------------------------------------------------- */

static int setup_input(void)
{
	char *copy, *label, *offset, *edge;
	int rc, number;
	if (!input || !*input)
		return 0;
	copy = kstrdup(input, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	if (split3(copy, &label, &offset, &edge) || strlen(label) >= RK_NAME_LEN ||
	    kstrtouint(offset, 0, &in.offset) ||
	    (strcmp(edge, "rising") != 0 && strcmp(edge, "falling") != 0)) {
		pr_err("rk_estop: input: '%s' is not LABEL:OFFSET:rising|falling\n", input);
		kfree(copy);
		return -EINVAL;
	}
	strscpy(in.label, label, sizeof(in.label));
	in.rising = strcmp(edge, "rising") == 0;
	kfree(copy);
	number = gpio_number(in.label, in.offset);
	if (number < 0) {
		pr_err("rk_estop: input: no line %u on a GPIO chip labelled '%s' (error %d)\n",
		       in.offset, in.label, number);
		return number;
	}
	rc = gpio_request_one(number, GPIOF_IN, "rk_estop input");
	if (rc) {
		pr_err("rk_estop: input: cannot request %s:%u (gpio %d): error %d\n", in.label,
		       in.offset, number, rc);
		return rc;
	}
	in.gpio = number;
	rc = gpio_to_irq(number);
	if (rc < 0) {
		pr_err("rk_estop: input: %s:%u has no interrupt: error %d\n", in.label, in.offset, rc);
		goto free_gpio;
	}
	in.irq = rc;
	rc = request_threaded_irq(in.irq, input_hard, input_thread,
	                          IRQF_ONESHOT |
	                                  (in.rising ? IRQF_TRIGGER_RISING : IRQF_TRIGGER_FALLING),
	                          "rk_estop", NULL);
	if (rc) {
		pr_err("rk_estop: input: irq %d: error %d\n", in.irq, rc);
		in.irq = -1;
		goto free_gpio;
	}
	return 0;
free_gpio:
	gpio_free(in.gpio);
	in.gpio = -1;
	return rc;
}

static void release_input(void)
{
	if (in.irq >= 0)
		free_irq(in.irq, NULL);
	if (in.gpio >= 0)
		gpio_free(in.gpio);
	in.irq = in.gpio = -1;
}

static int __init rk_estop_init(void)
{
	int rc;
	unsigned int i;
	if (!timeout_ms) {
		pr_err("rk_estop: timeout_ms must be > 0\n");
		return -EINVAL;
	}
	rc = parse_gpios();
	if (!rc)
		rc = parse_pwms();
	if (rc)
		return rc;
	for (i = 0; i < gpio_out_count; i++) {
		rc = gpio_number(gpio_outs[i].label, gpio_outs[i].offset);
		if (rc < 0) {
			pr_err("rk_estop: gpios: no line %u on a GPIO chip labelled '%s' (error %d)\n",
			       gpio_outs[i].offset, gpio_outs[i].label, rc);
			return rc;
		}
	}
	for (i = 0; i < pwm_out_count; i++) {
		struct device *child;
		struct pwm_chip *chip;
		rc = find_pwm(&pwm_outs[i], &child, &chip);
		if (rc) {
			pr_err("rk_estop: pwms: %s channel %u: %s (error %d)\n", pwm_outs[i].device,
			       pwm_outs[i].channel,
			       rc == -ENODEV   ? "no such device on that bus"
			       : rc == -ENOENT ? "the device has no PWM chip"
			                       : "channel out of range",
			       rc);
			return rc;
		}
		put_device(child);
	}
	INIT_DELAYED_WORK(&watchdog_work, watchdog_fn);
	rc = setup_input();
	if (rc)
		return rc;
	rk_kobj = kobject_create_and_add("rk_estop", kernel_kobj);
	if (!rk_kobj) {
		release_input();
		return -ENOMEM;
	}
	rc = sysfs_create_group(rk_kobj, &rk_group);
	if (rc) {
		kobject_put(rk_kobj);
		release_input();
		return rc;
	}
	if (in.gpio >= 0)
		pr_info("rk_estop: ready: timeout %u ms, %u gpio line(s), %u pwm channel(s), input "
		        "%s:%u:%s (irq %d)\n",
		        timeout_ms, gpio_out_count, pwm_out_count, in.label, in.offset,
		        in.rising ? "rising" : "falling", in.irq);
	else
		pr_info("rk_estop: ready: timeout %u ms, %u gpio line(s), %u pwm channel(s), no input\n",
		        timeout_ms, gpio_out_count, pwm_out_count);
	return 0;
}

static void __exit rk_estop_exit(void)
{
	/* sysfs first: no heartbeat can re-arm the work once it is cancelled. */
	sysfs_remove_group(rk_kobj, &rk_group);
	kobject_put(rk_kobj);
	release_input();
	cancel_delayed_work_sync(&watchdog_work);
	pr_info("rk_estop: unloaded (%llu trips, %llu heartbeats)\n", trip_count, heartbeat_count);
}

module_init(rk_estop_init);
module_exit(rk_estop_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rkBPF fallback emergency stop: heartbeat watchdog and e-stop input");
