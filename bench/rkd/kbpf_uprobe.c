/*
 * kbpf_uprobe.c - the kernel's own BPF for bench/rkd_bench.sh: loads a
 * BPF object with libbpf (the same bench_uprobe.o rkd runs), attaches its
 * first program with bpf_program__attach_uprobe_opts() to FUNC of BINARY
 * (every process), prints "ready" and then, until SIGINT/SIGTERM,
 * consumes the ring buffer `hits`, writing each record as "id t_call
 * t_prog" to stdout.  On exit: "kbpf records=N" on stderr.
 *
 *   kbpf_uprobe OBJ BINARY FUNC
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

struct hit {
	uint64_t id, t_call, t_prog;
};

static volatile sig_atomic_t stop;
static unsigned long long records;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int on_record(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (size >= sizeof(struct hit)) {
		const struct hit *h = data;
		printf("%llu %llu %llu\n", (unsigned long long)h->id, (unsigned long long)h->t_call,
		       (unsigned long long)h->t_prog);
	}
	records++;
	return 0;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, args);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s OBJ BINARY FUNC\n", argv[0]);
		return 2;
	}
	libbpf_set_print(quiet);
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "kbpf: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	struct bpf_program *prog = bpf_object__next_program(obj, NULL);
	if (!prog) {
		fprintf(stderr, "kbpf: %s has no program\n", argv[1]);
		return 1;
	}
	bpf_program__set_autoattach(prog, false);
	int rc = bpf_object__load(obj);
	if (rc) {
		fprintf(stderr, "kbpf: load %s: %s\n", argv[1], strerror(-rc));
		return 1;
	}
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = argv[3]);
	struct bpf_link *link = bpf_program__attach_uprobe_opts(prog, -1, argv[2], 0, &opts);
	if (!link) {
		fprintf(stderr, "kbpf: attach uprobe %s:%s: %s\n", argv[2], argv[3], strerror(errno));
		return 1;
	}
	struct bpf_map *map = bpf_object__find_map_by_name(obj, "hits");
	struct ring_buffer *rb =
		map ? ring_buffer__new(bpf_map__fd(map), on_record, NULL, NULL) : NULL;
	if (!rb) {
		fprintf(stderr, "kbpf: no ring buffer 'hits' in %s\n", argv[1]);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		rc = ring_buffer__poll(rb, 100);
		if (rc < 0 && rc != -EINTR)
			break;
	}
	ring_buffer__consume(rb);
	fflush(stdout);
	fprintf(stderr, "kbpf records=%llu\n", records);
	ring_buffer__free(rb);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return 0;
}
