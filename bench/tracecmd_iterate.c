// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tracecmd_iterate: the floor of reading a trace.dat through libtracecmd.
 *
 *   tracecmd_iterate FILE
 *
 * Opens FILE with tracecmd_open() and walks every record of every CPU in
 * timestamp order with tracecmd_iterate_events(), doing nothing per record but
 * counting it. Prints "N records" to stdout. Any tool that reads trace.dat
 * through libtracecmd pays at least this; bench/run.sh compares it with
 * kptrace report, trace-cmd report and perf script.
 *
 * Build: gcc -O2 -o tracecmd_iterate tracecmd_iterate.c $(pkg-config --cflags --libs libtracecmd)
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>

#include <trace-cmd.h>

static int count_record(struct tracecmd_input *handle, struct tep_record *record, int cpu,
			void *data)
{
	(void)handle;
	(void)record;
	(void)cpu;
	(*(unsigned long long *)data)++;
	return 0;
}

int main(int argc, char **argv)
{
	struct tracecmd_input *handle;
	unsigned long long records = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: tracecmd_iterate FILE\n");
		return 2;
	}
	handle = tracecmd_open(argv[1], TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!handle) {
		fprintf(stderr, "tracecmd_iterate: cannot open %s as a trace.dat file\n", argv[1]);
		return 1;
	}
	if (tracecmd_iterate_events(handle, NULL, 0, count_record, &records) < 0) {
		fprintf(stderr, "tracecmd_iterate: cannot read the records of %s\n", argv[1]);
		tracecmd_close(handle);
		return 1;
	}
	tracecmd_close(handle);
	printf("%llu records\n", records);
	return 0;
}
