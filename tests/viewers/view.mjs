// SPDX-License-Identifier: GPL-2.0-or-later
// Open kptrace's pictures in a real browser (Debian's chromium, driven by playwright-core)
// and print what a viewer sees, as one JSON object, for the live tests to assert on.
//
//   node view.mjs html FILE.html PNG        the HTML report: console errors, page errors,
//                                           per probe section the heat map cells (their
//                                           data-count sum), the histogram bars, and the
//                                           number of distinct colours of a screenshot
//   node view.mjs svg FILE.svg PNG          a standalone heat map, alike
//   node view.mjs speedscope INDEX FILE...  speedscope's index.html; each FILE imported
//                                           through its file input: the dialogs it raised
//                                           (an unknown format is an alert) and the title
//                                           it set on success
//
// Chromium runs headless with a new empty profile and no network service traffic.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';

const [mode, target, ...rest] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'kpt-chromium-'));
const browser = await chromium.launchPersistentContext(profile, {
	executablePath: process.env.KPT_CHROMIUM || '/usr/bin/chromium',
	headless: true,
	args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	       '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	viewport: { width: 1100, height: 1400 },
});
const result = { console_errors: [], page_errors: [], dialogs: [], requests: [] };
const page = browser.pages()[0] || await browser.newPage();
page.on('console', (msg) => { if (msg.type() === 'error') result.console_errors.push(msg.text()); });
page.on('pageerror', (err) => result.page_errors.push(String(err)));
page.on('dialog', async (dialog) => { result.dialogs.push(dialog.message()); await dialog.dismiss(); });
page.on('request', (req) => { if (!req.url().startsWith('file:') && !req.url().startsWith('data:')) result.requests.push(req.url()); });

// Distinct colours of a PNG, counted on a canvas in the browser itself.
async function colours(png) {
	const data = readFileSync(png).toString('base64');
	const probe = await browser.newPage();
	await probe.setContent(`<img id="i" src="data:image/png;base64,${data}">`);
	const n = await probe.evaluate(async () => {
		const img = document.getElementById('i');
		await img.decode();
		const c = document.createElement('canvas');
		c.width = img.naturalWidth;
		c.height = img.naturalHeight;
		const ctx = c.getContext('2d');
		ctx.drawImage(img, 0, 0);
		const px = ctx.getImageData(0, 0, c.width, c.height).data;
		const seen = new Set();
		for (let i = 0; i < px.length; i += 4)
			seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
		return seen.size;
	});
	await probe.close();
	return n;
}

if (mode === 'html' || mode === 'svg') {
	await page.goto('file://' + target, { waitUntil: 'load' });
	result.probes = await page.evaluate(() => {
		const sum = (nodes) => [...nodes].reduce((s, n) => s + Number(n.dataset.count), 0);
		const sections = [...document.querySelectorAll('section.probe')];
		const scopes = sections.length ? sections : [...document.querySelectorAll('svg.heatmap')];
		return scopes.map((s) => ({
			name: (s.querySelector('h2') || s.querySelector('text')).textContent,
			cells: s.querySelectorAll('rect.cell').length,
			cell_calls: sum(s.querySelectorAll('rect.cell')),
			bars: s.querySelectorAll('svg.histogram rect.bar').length,
			bar_calls: sum(s.querySelectorAll('svg.histogram rect.bar')),
			slowest: s.querySelectorAll('table.slowest tr').length - (s.querySelector('table.slowest') ? 1 : 0),
			first_args: s.querySelector('table.slowest tr:nth-child(2) td:nth-child(5)')?.textContent ?? null,
			first_ret: s.querySelector('table.slowest tr:nth-child(2) td:nth-child(6)')?.textContent ?? null,
		}));
	});
	result.svgs = await page.evaluate(() => document.querySelectorAll('svg').length);
	result.loss_table = await page.evaluate(() => document.querySelector('table.loss') !== null);
	await page.screenshot({ path: rest[0], fullPage: mode === 'html' });
	result.colours = await colours(rest[0]);
} else if (mode === 'speedscope') {
	result.imports = [];
	for (const file of rest) {
		result.dialogs = [];
		await page.goto('file://' + target, { waitUntil: 'load' });
		await page.setInputFiles('#file', file);
		try {
			await page.waitForFunction((name) => document.title.startsWith(name), basename(file),
						   { timeout: 15000 });
		} catch (e) {
			/* no title: the dialogs say why */
		}
		await page.waitForTimeout(300);
		result.imports.push({ file: basename(file), title: await page.title(),
				      dialogs: result.dialogs });
	}
	delete result.dialogs;
}
await browser.close();
rmSync(profile, { recursive: true, force: true });
console.log(JSON.stringify(result));
