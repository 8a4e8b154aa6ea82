// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A FUSE file system with one file, /slow, whose every read hangs for a given
 * number of seconds: a real hung read for the tests, like a dying disk or a
 * dead NFS server. "NNNms" instead: milliseconds, for reads that are only slow.
 *
 *   hangfs SECONDS|MILLISms MOUNTPOINT      (stays in the foreground until unmounted)
 */
#define FUSE_USE_VERSION 31
#include <fuse.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char content[] = "finally\n";
static unsigned long hang_micros;

static int hang_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	memset(st, 0, sizeof(*st));
	if (!strcmp(path, "/")) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else if (!strcmp(path, "/slow")) {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = sizeof(content) - 1;
	} else {
		return -ENOENT;
	}
	return 0;
}

static int hang_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
			struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	if (strcmp(path, "/"))
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, "slow", NULL, 0, 0);
	return 0;
}

static int hang_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, "/slow"))
		return -ENOENT;
	fi->direct_io = 1; /* every read reaches us: no page cache */
	return 0;
}

static int hang_read(const char *path, char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	size_t len = sizeof(content) - 1;

	/* usleep takes at most a second's worth: whole seconds first. */
	sleep(hang_micros / 1000000);
	usleep(hang_micros % 1000000);
	if ((size_t)off >= len)
		return 0;
	if (off + size > len)
		size = len - off;
	memcpy(buf, content + off, size);
	return size;
}

static const struct fuse_operations ops = {
	.getattr = hang_getattr,
	.readdir = hang_readdir,
	.open = hang_open,
	.read = hang_read,
};

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	char *unit;
	unsigned long n = strtoul(argv[1], &unit, 10);

	hang_micros = strcmp(unit, "ms") ? n * 1000000 : n * 1000;
	char *args[] = { argv[0], "-f", argv[2], NULL };
	return fuse_main(3, args, &ops, NULL);
}
