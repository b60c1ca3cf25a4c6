// SPDX-License-Identifier: GPL-2.0-or-later
// TEST FIXTURE, not a kptrace feature: fold the nested spans of a kptrace --timeline file
// into flamegraph.pl's folded format ("comm;outer;inner MICROSECONDS" per line, self time),
// so that speedscope's folded-stacks importer can be tested on a profile of a real run.
//
//   node folded-fixture.mjs TIMELINE.json > FILE.folded
import { readFileSync } from 'node:fs';

const trace = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const names = new Map();
const byThread = new Map();
for (const ev of trace.traceEvents) {
	if (ev.ph === 'M' && ev.name === 'thread_name')
		names.set(ev.tid, ev.args.name);
	if (ev.ph !== 'X')
		continue;
	if (!byThread.has(ev.tid))
		byThread.set(ev.tid, []);
	byThread.get(ev.tid).push(ev);
}
const folded = new Map();
for (const [tid, spans] of byThread) {
	spans.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
	const stack = [];
	for (const span of spans) {
		while (stack.length && stack.at(-1).ts + stack.at(-1).dur <= span.ts)
			stack.pop();
		span.self = span.dur;
		if (stack.length)
			stack.at(-1).self -= span.dur;
		stack.push(span);
		span.path = [names.get(tid) || String(tid), ...stack.map((s) => s.name)].join(';');
	}
	for (const span of spans)
		folded.set(span.path, (folded.get(span.path) || 0) + Math.max(0, Math.round(span.self)));
}
for (const [path, us] of folded)
	console.log(`${path} ${us}`);
