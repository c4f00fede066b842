package main

// A constructor, run by the C runtime before Go's: when this process is
// buildah's copier child (argv[0] "buildah-copier", re-executed from
// /proc/self/exe) and the parent pier named a helper in
// PIER_COPIER_HELPER, it becomes that helper at once, skipping the start-up
// of the whole engine (package initializers, runtime set-up of a large
// binary: about 7 ms of the 9 ms each of the ~26 copier children of a
// cached build costs). internal/image sets the variable only to a
// pier-copier built with pier's buildah and storage modules. If the exec
// fails, the Go runtime starts as usual and the copier runs in this binary.
//
// argv[0] is read from /proc/self/cmdline rather than taken as a
// constructor argument, which only glibc passes.

/*
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void pier_copier_helper(void) __attribute__((constructor));

static void pier_copier_helper(void)
{
	const char *helper = getenv("PIER_COPIER_HELPER");
	if (helper == NULL || helper[0] != '/')
		return;
	char arg0[32];
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, arg0, sizeof(arg0) - 1);
	close(fd);
	if (n <= 0)
		return;
	arg0[n] = '\0';
	if (strcmp(arg0, "buildah-copier") != 0)
		return;
	char *argv[] = {"buildah-copier", NULL};
	execv(helper, argv);
}
*/
import "C"
