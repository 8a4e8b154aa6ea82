// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Loads a BPF object and attaches the named programs until killed.
 *
 *   attach OBJECT PROGRAM...     prints "attached" once they all are
 *
 * An object with the exporter's maps gets what the exporter gives them before
 * it attaches: every histogram slot free.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;

	if (argc < 3)
		return 2;
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj)
		return 1;
	/* Load only the programs asked for. */
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, false);
	for (int i = 2; i < argc; i++) {
		prog = bpf_object__find_program_by_name(obj, argv[i]);
		if (!prog) {
			fprintf(stderr, "no program %s\n", argv[i]);
			return 1;
		}
		bpf_program__set_autoload(prog, true);
	}
	if (bpf_object__load(obj))
		return 1;
	struct bpf_map *free_slots = bpf_object__find_map_by_name(obj, "hist_free");

	for (__u32 slot = 0; free_slots && slot < bpf_map__max_entries(free_slots); slot++)
		if (bpf_map_update_elem(bpf_map__fd(free_slots), NULL, &slot, 0))
			return 1;
	for (int i = 2; i < argc; i++) {
		if (!bpf_program__attach(bpf_object__find_program_by_name(obj, argv[i])))
			return 1;
	}
	printf("attached\n");
	fflush(stdout);
	pause(); /* the links close with the process */
	return 0;
}
