// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kptrace cleanup: remove what killed kptrace runs left in tracefs.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "session/session.h"
#include "util.h"

/**
 * kpt_cmd_cleanup - the "cleanup" command
 * @argc: argument count
 * @argv: arguments
 *
 * Every run does this at start too; the command is for leaving a machine clean.
 * Returns 0, or 1 if tracefs cannot be read.
 */
int kpt_cmd_cleanup(int argc, char **argv)
{
	int removed;

	if (argc > 1) {
		fputs("usage: kptrace cleanup\n\nRemove the probes and instances of kptrace runs "
		      "that were killed.\nOther tools' probes are never touched.\n",
		      strcmp(argv[1], "-h") && strcmp(argv[1], "--help") ? stderr : stdout);
		return strcmp(argv[1], "-h") && strcmp(argv[1], "--help") ? 2 : 0;
	}
	removed = kpt_session_remove_stale(true);
	if (removed < 0)
		return 1;
	printf("removed %d leftover probe%s and instance%s\n", removed, removed == 1 ? "" : "s",
	       removed == 1 ? "" : "s");
	return 0;
}
