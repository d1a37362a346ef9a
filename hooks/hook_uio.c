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
 * The mode shows in `rkctl list` (the hook's description).  The interrupt
 * is re-enabled after the program ran, so that a program acknowledging a
 * level-triggered device (rk_uio_write) does so before it can fire again.
 *
 * Registers: when rkd.conf has [uio DEVICE], map N of /dev/uioN is mapped
 * at open (read-only unless a writable range is configured) and
 * rk_hook_device_io() -- rk_uio_read / rk_uio_write -- reaches the granted
 * ranges of it with volatile accesses of the register's width.
 *
 * Removal (the device unbound from its driver, its module unloaded): the
 * kernel wakes the reader and read(2) fails with EIO; the drain returns
 * -ENODEV, once, and register accesses fail with -ENODEV from then on.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
	struct uio_state *next;  /* every open UIO hook of this process */
	struct rk_hook *hook;
	char name[NAME_MAX + 1]; /* uioN */
	enum uio_mode mode;
	int config_fd;           /* pci-intx: device/config */
	uint32_t last_count;
	int gone;                /* removed: said once */
	/* The register window (rk_hook_device_io); regs NULL: nothing granted. */
	void *mapping;
	size_t mapping_len;
	volatile uint8_t *regs;  /* the start of map N inside mapping */
	uint64_t map_size;
	uint64_t read_start, read_end, write_start, write_end;
	struct rk_uio_event ctx;
};

/* rkd runs every hook on one thread: the list needs no lock. */
static struct uio_state *uio_hooks;

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
	/*
	 * The interrupt is the device's, not the hook's: while another started
	 * hook of this process waits on it (rkd swapping an object opens and
	 * starts the new version before it stops the old one), it stays enabled.
	 */
	for (const struct uio_state *other = uio_hooks; other; other = other->next)
		if (other != state && other->hook->started && strcmp(other->name, state->name) == 0)
			return 0;
	if (state->mode == UIO_IRQCONTROL && !state->gone &&
	    write(hook->fds[0], &zero, sizeof(zero)) < 0)
		return -errno;
	return 0;
}

static int uio_drain(struct rk_hook *hook, size_t fd_index, rk_hook_event_fn fn, void *user)
{
	struct uio_state *state = hook->priv;
	uint32_t count;
	if (state->gone)
		return 0;
	ssize_t got = read(hook->fds[fd_index], &count, sizeof(count));
	if (got < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		/* uio_unregister_device(): readers are woken and get EIO from then on. */
		if (errno == EIO || errno == ENODEV) {
			state->gone = 1;
			return -ENODEV;
		}
		return -errno;
	}
	if (got != (ssize_t)sizeof(count))
		return 0;
	uint32_t since = count - state->last_count;
	state->last_count = count;
	if (!hook->started) {
		int rc = reenable(hook);
		return rc < 0 ? rc : 0;
	}
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
	/* After the program: it may have acknowledged the device (rk_uio_write). */
	int rc = reenable(hook);
	return rc < 0 ? rc : 1;
}

int rk_hook_device_io(struct rk_hook *hook, uint64_t offset, void *buf, uint32_t size,
                      int write)
{
	if (!hook || hook->spec.kind != RK_HOOK_UIO || !hook->priv)
		return -ENOTSUP;
	struct uio_state *state = hook->priv;
	if (state->gone)
		return -ENODEV;
	uint64_t lo = write ? state->write_start : state->read_start;
	uint64_t hi = write ? state->write_end : state->read_end;
	if (!state->regs || lo >= hi)
		return -EACCES;
	if (size == 0 || offset < lo || offset > hi || size > hi - offset)
		return -ERANGE;
	volatile uint8_t *at = state->regs + offset;
	if ((size == 1 || size == 2 || size == 4 || size == 8) && offset % size == 0) {
		switch (size) {
		case 1:
			if (write)
				*at = *(const uint8_t *)buf;
			else
				*(uint8_t *)buf = *at;
			break;
		case 2: {
			uint16_t v;
			if (write)
				memcpy(&v, buf, 2), *(volatile uint16_t *)(void *)at = v;
			else
				v = *(volatile uint16_t *)(void *)at, memcpy(buf, &v, 2);
			break;
		}
		case 4: {
			uint32_t v;
			if (write)
				memcpy(&v, buf, 4), *(volatile uint32_t *)(void *)at = v;
			else
				v = *(volatile uint32_t *)(void *)at, memcpy(buf, &v, 4);
			break;
		}
		default: {
			uint64_t v;
			if (write)
				memcpy(&v, buf, 8), *(volatile uint64_t *)(void *)at = v;
			else
				v = *(volatile uint64_t *)(void *)at, memcpy(buf, &v, 8);
			break;
		}
		}
		return 0;
	}
	if (size % 4 || offset % 4)
		return -EINVAL;
	for (uint32_t i = 0; i < size; i += 4) {
		uint32_t v;
		if (write)
			memcpy(&v, (const uint8_t *)buf + i, 4), *(volatile uint32_t *)(void *)(at + i) = v;
		else
			v = *(volatile uint32_t *)(void *)(at + i), memcpy((uint8_t *)buf + i, &v, 4);
	}
	return 0;
}

static void uio_close(struct rk_hook *hook)
{
	struct uio_state *state = hook->priv;
	if (!state)
		return;
	for (struct uio_state **link = &uio_hooks; *link; link = &(*link)->next) {
		if (*link == state) {
			*link = state->next;
			break;
		}
	}
	if (state->config_fd >= 0)
		close(state->config_fd);
	if (state->mapping)
		munmap(state->mapping, state->mapping_len);
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

/* A sysfs number ("0x1000\n", "4096"): 0 or -errno. */
static int read_sysfs_u64(const char *path, uint64_t *out)
{
	char text[64];
	int rc = rk_read_text_file(path, text, sizeof(text));
	if (rc < 0)
		return rc;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 0);
	if (errno || end == text)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "0x0-0x100" for messages ("whole map" for the open end). */
static void format_range(uint64_t lo, uint64_t hi, char *out, size_t out_len)
{
	snprintf(out, out_len, "0x%llx-0x%llx", (unsigned long long)lo, (unsigned long long)hi);
}

/* [uio DEVICE]: map N of the device, the granted ranges checked against its size. */
static int map_registers(struct rk_hook *hook, const struct rk_hook_uio_opts *cfg, char *err,
                         size_t err_len)
{
	struct uio_state *state = hook->priv;
	const char *file = cfg->file ? cfg->file : "rkd.conf";
	char path[PATH_MAX], range[64];
	uint64_t size = 0, page_offset = 0;
	snprintf(path, sizeof(path), UIO_SYSFS "/%s/maps/map%u/size", state->name, cfg->map);
	if (read_sysfs_u64(path, &size) || size == 0) {
		char maps[256] = "";
		size_t used = 0;
		for (unsigned m = 0; m < 5; m++) {
			uint64_t msize;
			snprintf(path, sizeof(path), UIO_SYSFS "/%s/maps/map%u/size", state->name, m);
			if (read_sysfs_u64(path, &msize) == 0 && used + 1 < sizeof(maps)) {
				int n = snprintf(maps + used, sizeof(maps) - used, "%smap%u (0x%llx bytes)",
				                 used ? ", " : "", m, (unsigned long long)msize);
				if (n > 0)
					used += (size_t)n;
			}
		}
		return rk_hook_err(hook, err, err_len, -ENOENT,
		                   "%s:%d: key 'map': %s has no map%u; it has: %s", file,
		                   cfg->map_line ? cfg->map_line : cfg->readable_line, state->name,
		                   cfg->map, used ? maps : "none");
	}
	snprintf(path, sizeof(path), UIO_SYSFS "/%s/maps/map%u/offset", state->name, cfg->map);
	if (read_sysfs_u64(path, &page_offset))
		page_offset = 0;
	state->map_size = size;
	state->read_start = cfg->read_start;
	state->read_end = cfg->read_end == RK_HOOK_UIO_MAP_END ? size : cfg->read_end;
	state->write_start = cfg->write_start;
	state->write_end = cfg->write_end == RK_HOOK_UIO_MAP_END ? size : cfg->write_end;
	if (state->read_end > size || state->read_start > state->read_end) {
		format_range(cfg->read_start, cfg->read_end, range, sizeof(range));
		return rk_hook_err(hook, err, err_len, -ERANGE,
		                   "%s:%d: key 'readable': %s goes past the end of map%u of %s "
		                   "(0x%llx bytes)",
		                   file, cfg->readable_line, range, cfg->map, state->name,
		                   (unsigned long long)size);
	}
	if (state->write_end > size || state->write_start > state->write_end) {
		format_range(cfg->write_start, cfg->write_end, range, sizeof(range));
		return rk_hook_err(hook, err, err_len, -ERANGE,
		                   "%s:%d: key 'writable': %s goes past the end of map%u of %s "
		                   "(0x%llx bytes)",
		                   file, cfg->writable_line, range, cfg->map, state->name,
		                   (unsigned long long)size);
	}
	long page = sysconf(_SC_PAGESIZE);
	size_t len = (size_t)(page_offset + size + (uint64_t)page - 1) & ~((size_t)page - 1);
	int writable = state->write_start < state->write_end;
	void *mapping = mmap(NULL, len, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED,
	                     hook->fds[0], (off_t)cfg->map * page);
	if (mapping == MAP_FAILED)
		return rk_hook_err(hook, err, err_len, -errno, "mmap of map%u of /dev/%s (%s): %s",
		                   cfg->map, state->name, writable ? "read-write" : "read-only",
		                   strerror(errno));
	state->mapping = mapping;
	state->mapping_len = len;
	state->regs = (volatile uint8_t *)mapping + page_offset;
	return 0;
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
		/* Enabled when started, not before (unless another hook of ours is waiting on it). */
		uint32_t zero = 0;
		int shared = 0;
		for (const struct uio_state *other = uio_hooks; other; other = other->next)
			shared |= other->hook->started && strcmp(other->name, state->name) == 0;
		if (!shared && write(hook->fds[0], &zero, sizeof(zero)) < 0)
			return rk_hook_err(hook, err, err_len, -errno, "irqcontrol: %s", strerror(errno));
	}
	if (hook->opts.uio) {
		rc = map_registers(hook, hook->opts.uio, err, err_len);
		if (rc)
			return rc;
	}
	size_t len = strlen(hook->description);
	snprintf(hook->description + len, sizeof(hook->description) - len, " (%s%s%s, %s)",
	         state->name, driver[0] ? " " : "", driver, mode_name(state->mode));
	state->hook = hook;
	state->next = uio_hooks;
	uio_hooks = state;
	return 0;
}
