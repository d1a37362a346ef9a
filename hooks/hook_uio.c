/*
 * hook_uio.c - uio/DEVICE: the interrupts of a UIO device, /dev/uioN.
 *
 * DEVICE is uioN, /dev/uioN, or the name in /sys/class/uio/uioN/name.
 * Each wake-up reads the 4-byte interrupt count (the kernel counts, it does
 * not queue: interrupts between two reads are merged and reported in
 * struct rk_uio_event.missed) and runs the program once.
 *
 * Re-enabling the interrupt is the driver's business, and UIO drivers
 * differ; the hook finds out at start:
 *   irqcontrol  drivers with an irqcontrol callback (uio_pdrv_genirq, most
 *               platform drivers): write(fd, &(u32){1}, 4) enables the IRQ,
 *               and again after each interrupt (their handler disables it).
 *   pci-intx    uio_pci_generic has no irqcontrol (the write fails with
 *               ENOSYS or EIO); its handler masks INTx with
 *               PCI_COMMAND_INTX_DISABLE, so the hook clears bit 10 of the
 *               PCI command register (device/config, offset 4) after each
 *               interrupt.  The device itself must be acknowledged by
 *               whoever owns its registers, or a level interrupt fires again.
 *   none        anything else: nothing to do.
 * The mode shows in `rkctl list` (the hook's description).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "../include/rkbpf/rkbpf_hw.h"
#include "hook_impl.h"

#define UIO_SYSFS "/sys/class/uio"
#define NS_PER_SEC 1000000000ull
#define PCI_COMMAND_OFFSET 4
#define PCI_COMMAND_INTX_DISABLE 0x400u

enum uio_mode { UIO_IRQCONTROL, UIO_PCI_INTX, UIO_NONE };

struct uio_state {
	char name[NAME_MAX + 1]; /* uioN */
	enum uio_mode mode;
	int config_fd;           /* pci-intx: device/config */
	uint32_t last_count;
	struct rk_uio_event ctx;
};

static const char *mode_name(enum uio_mode mode)
{
	return mode == UIO_IRQCONTROL ? "irqcontrol" : mode == UIO_PCI_INTX ? "pci-intx" : "none";
}

static int pci_intx_enable(struct uio_state *state)
{
	uint16_t cmd;
	if (pread(state->config_fd, &cmd, sizeof(cmd), PCI_COMMAND_OFFSET) != (ssize_t)sizeof(cmd))
		return -EIO;
	if (!(cmd & PCI_COMMAND_INTX_DISABLE))
		return 0;
	cmd = (uint16_t)(cmd & ~PCI_COMMAND_INTX_DISABLE);
	if (pwrite(state->config_fd, &cmd, sizeof(cmd), PCI_COMMAND_OFFSET) != (ssize_t)sizeof(cmd))
		return -EIO;
	return 0;
}

static int reenable(struct rk_hook *hook)
{
	struct uio_state *state = hook->priv;
	uint32_t one = 1;
	switch (state->mode) {
	case UIO_IRQCONTROL:
		return write(hook->fds[0], &one, sizeof(one)) == (ssize_t)sizeof(one) ? 0 : -errno;
	case UIO_PCI_INTX:
		return pci_intx_enable(state);
	case UIO_NONE:
		break;
	}
	return 0;
}

static int uio_start(struct rk_hook *hook, char *err, size_t err_len)
{
	struct uio_state *state = hook->priv;
	char path[PATH_MAX], text[32];
	snprintf(path, sizeof(path), UIO_SYSFS "/%s/event", state->name);
	if (rk_read_text_file(path, text, sizeof(text)) > 0)
		state->last_count = (uint32_t)strtoul(text, NULL, 10);
	int rc = reenable(hook);
	if (rc)
		return rk_hook_err(hook, err, err_len, rc, "cannot enable the interrupt (%s): %s",
		                   mode_name(state->mode), strerror(-rc));
	return 0;
}

static int uio_stop(struct rk_hook *hook)
{
	struct uio_state *state = hook->priv;
	uint32_t zero = 0;
	if (state->mode == UIO_IRQCONTROL && write(hook->fds[0], &zero, sizeof(zero)) < 0)
		return -errno;
	return 0;
}

static int uio_drain(struct rk_hook *hook, size_t fd_index, rk_hook_event_fn fn, void *user)
{
	struct uio_state *state = hook->priv;
	uint32_t count;
	ssize_t got = read(hook->fds[fd_index], &count, sizeof(count));
	if (got < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	if (got != (ssize_t)sizeof(count))
		return 0;
	uint32_t since = count - state->last_count;
	state->last_count = count;
	int rc = reenable(hook);
	if (!hook->started)
		return rc < 0 ? rc : 0;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	struct rk_hook_event event;
	memset(&event, 0, sizeof(event));
	state->ctx.timestamp_ns = (uint64_t)now.tv_sec * NS_PER_SEC + (uint64_t)now.tv_nsec;
	state->ctx.irq_count = count;
	state->ctx.missed = since > 1 ? since - 1 : 0;
	hook->stats.lost += state->ctx.missed;
	event.ctx = &state->ctx;
	event.ctx_len = sizeof(state->ctx);
	event.time_ns = state->ctx.timestamp_ns;
	event.meta.pid = (uint32_t)gettid();
	event.meta.tgid = (uint32_t)getpid();
	event.meta.uid = (uint32_t)getuid();
	event.meta.gid = (uint32_t)getgid();
	int cpu = sched_getcpu();
	event.meta.cpu = cpu < 0 ? 0 : (uint32_t)cpu;
	prctl(PR_GET_NAME, event.meta.comm, 0, 0, 0);
	fn(user, &event);
	hook->stats.events++;
	return rc < 0 ? rc : 1;
}

static void uio_close(struct rk_hook *hook)
{
	struct uio_state *state = hook->priv;
	if (!state)
		return;
	if (state->config_fd >= 0)
		close(state->config_fd);
	free(state);
	hook->priv = NULL;
}

static const struct rk_hook_ops uio_ops = {
	.start = uio_start,
	.stop = uio_stop,
	.drain = uio_drain,
	.close = uio_close,
};

/* "uioN" (digits after uio, nothing else). */
static int is_uio_name(const char *name)
{
	if (strncmp(name, "uio", 3) != 0 || !name[3])
		return 0;
	for (const char *at = name + 3; *at; at++)
		if (*at < '0' || *at > '9')
			return 0;
	return 1;
}

/* DEVICE into uioN: 0, or -ENODEV with the devices there are in err. */
static int resolve(struct rk_hook *hook, struct uio_state *state, char *err, size_t err_len)
{
	const char *want = hook->spec.path;
	if (strncmp(want, "/dev/", 5) == 0)
		want += 5;
	char path[PATH_MAX], text[64], seen[512] = "";
	size_t used = 0;
	DIR *dir = opendir(UIO_SYSFS);
	struct dirent *entry;
	while (dir && (entry = readdir(dir))) {
		if (!is_uio_name(entry->d_name))
			continue;
		snprintf(path, sizeof(path), UIO_SYSFS "/%s/name", entry->d_name);
		if (rk_read_text_file(path, text, sizeof(text)) < 0)
			text[0] = '\0';
		text[strcspn(text, "\n")] = '\0';
		if (strcmp(entry->d_name, want) == 0 || strcmp(text, want) == 0) {
			snprintf(state->name, sizeof(state->name), "%s", entry->d_name);
			closedir(dir);
			return 0;
		}
		if (used + 1 < sizeof(seen)) {
			int n = snprintf(seen + used, sizeof(seen) - used, "%s%s (%s)", used ? ", " : "",
			                 entry->d_name, text);
			if (n > 0)
				used += (size_t)n;
		}
	}
	if (dir)
		closedir(dir);
	return rk_hook_err(hook, err, err_len, -ENODEV,
	                   "no UIO device %s (by uioN or the name in " UIO_SYSFS
	                   "/uioN/name); this machine has: %s",
	                   hook->spec.path, used ? seen : "none (is a UIO driver loaded?)");
}

int rk_hook_uio_open(struct rk_hook *hook, char *err, size_t err_len)
{
	hook->ops = &uio_ops;
	struct uio_state *state = calloc(1, sizeof(*state));
	hook->fds = malloc(sizeof(*hook->fds));
	if (!state || !hook->fds) {
		free(state);
		return rk_hook_err(hook, err, err_len, -ENOMEM, "out of memory");
	}
	state->config_fd = -1;
	hook->priv = state;
	hook->fds[0] = -1;
	hook->fd_count = 1;
	int rc = resolve(hook, state, err, err_len);
	if (rc)
		return rc;
	char path[PATH_MAX], driver[64] = "";
	snprintf(path, sizeof(path), "/dev/%s", state->name);
	hook->fds[0] = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (hook->fds[0] < 0)
		return rk_hook_err(hook, err, err_len, -errno, "%s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), UIO_SYSFS "/%s/name", state->name);
	if (rk_read_text_file(path, driver, sizeof(driver)) < 0)
		driver[0] = '\0';
	driver[strcspn(driver, "\n")] = '\0';
	/* irqcontrol, unless the driver has none: then PCI INTx, or nothing. */
	uint32_t one = 1;
	state->mode = UIO_IRQCONTROL;
	if (write(hook->fds[0], &one, sizeof(one)) != (ssize_t)sizeof(one)) {
		snprintf(path, sizeof(path), UIO_SYSFS "/%s/device/config", state->name);
		state->config_fd = open(path, O_RDWR | O_CLOEXEC);
		state->mode = state->config_fd >= 0 ? UIO_PCI_INTX : UIO_NONE;
	} else {
		/* Enabled when started, not before. */
		uint32_t zero = 0;
		if (write(hook->fds[0], &zero, sizeof(zero)) < 0)
			return rk_hook_err(hook, err, err_len, -errno, "irqcontrol: %s", strerror(errno));
	}
	size_t len = strlen(hook->description);
	snprintf(hook->description + len, sizeof(hook->description) - len, " (%s%s%s, %s)",
	         state->name, driver[0] ? " " : "", driver, mode_name(state->mode));
	return 0;
}
