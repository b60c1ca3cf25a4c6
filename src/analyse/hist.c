// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Latency histogram with exact extremes and log-linear buckets.
 *
 * Bucket i < 64 holds exactly the value i. Above that, a value v with its top
 * bit at position e (e >= 6) goes to 64 + (e - 6) * 64 + the 6 bits below
 * the top bit, so every bucket spans 1/64 of its power of two.
 */
#include <stdlib.h>
#include <string.h>

#include "analyse/hist.h"
#include "util.h"

static unsigned int bucket_of(uint64_t value)
{
	unsigned int top;

	if (value < KPT_HIST_SUB)
		return value;
	top = 63 - __builtin_clzll(value);
	return KPT_HIST_SUB + (top - KPT_HIST_SUB_BITS) * KPT_HIST_SUB +
	       ((value >> (top - KPT_HIST_SUB_BITS)) & (KPT_HIST_SUB - 1));
}

/* The smallest value that falls into @bucket. */
static uint64_t bucket_low(unsigned int bucket)
{
	unsigned int shift, sub;

	if (bucket < KPT_HIST_SUB)
		return bucket;
	shift = (bucket - KPT_HIST_SUB) / KPT_HIST_SUB;
	sub = (bucket - KPT_HIST_SUB) % KPT_HIST_SUB;
	return (uint64_t)(KPT_HIST_SUB + sub) << shift;
}

/**
 * kpt_hist_init - empty a histogram
 * @hist: the histogram
 */
void kpt_hist_init(struct kpt_hist *hist)
{
	memset(hist, 0, sizeof(*hist));
	hist->min = UINT64_MAX;
}

/**
 * kpt_hist_add - record one value
 * @hist: the histogram
 * @value: the value, in nanoseconds for latencies
 */
void kpt_hist_add(struct kpt_hist *hist, uint64_t value)
{
	hist->count++;
	if (value < hist->min)
		hist->min = value;
	if (value > hist->max)
		hist->max = value;
	if (__builtin_add_overflow(hist->sum, value, &hist->sum))
		hist->sum = UINT64_MAX;
	hist->buckets[bucket_of(value)]++;
}

/**
 * kpt_hist_merge - add every value of one histogram to another
 * @into: the histogram that grows
 * @from: the histogram read
 */
void kpt_hist_merge(struct kpt_hist *into, const struct kpt_hist *from)
{
	unsigned int i;

	if (!from->count)
		return;
	into->count += from->count;
	if (from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
	if (__builtin_add_overflow(into->sum, from->sum, &into->sum))
		into->sum = UINT64_MAX;
	for (i = 0; i < KPT_HIST_BUCKETS; i++)
		into->buckets[i] += from->buckets[i];
}

/**
 * kpt_hist_mean - the average value, rounded down; 0 when empty
 * @hist: the histogram
 */
uint64_t kpt_hist_mean(const struct kpt_hist *hist)
{
	return hist->count ? hist->sum / hist->count : 0;
}

/**
 * kpt_hist_percentile - the value below or at which @percent of the values lie
 * @hist: the histogram
 * @percent: 0 to 100
 *
 * Uses the nearest-rank definition: the value of rank ceil(percent/100 * count).
 * The answer is exact below 64 and for the extremes; elsewhere it is the low
 * edge of the bucket holding that rank (at most 1/64 below the true value),
 * kept within [min, max]. Returns 0 for an empty histogram.
 */
uint64_t kpt_hist_percentile(const struct kpt_hist *hist, double percent)
{
	uint64_t rank, seen = 0, value;
	unsigned int i;

	if (!hist->count)
		return 0;
	rank = (uint64_t)(percent / 100.0 * hist->count);
	if ((double)rank < percent / 100.0 * hist->count)
		rank++;
	if (rank == 0)
		return hist->min;
	if (rank >= hist->count)
		return hist->max;
	for (i = 0; i < KPT_HIST_BUCKETS; i++) {
		seen += hist->buckets[i];
		if (seen >= rank)
			break;
	}
	value = bucket_low(i);
	if (value < hist->min)
		value = hist->min;
	if (value > hist->max)
		value = hist->max;
	return value;
}

/**
 * kpt_hist_log2 - fold the histogram into power-of-two slots, as bcc prints them
 * @hist: the histogram
 * @divisor: the display unit in the histogram's unit (1 for ns, 1000 for us, ...)
 * @slots: slot 0 counts values below 1 unit, slot k >= 1 counts [2^(k-1), 2^k) units
 *
 * Each bucket goes whole into the slot of its low edge; buckets never straddle
 * a power of two, so the fold is exact for divisors that are powers of two and
 * off by at most one bucket width for the decimal ones.
 */
void kpt_hist_log2(const struct kpt_hist *hist, uint64_t divisor,
		   uint64_t slots[KPT_HIST_LOG2_SLOTS])
{
	unsigned int i;

	memset(slots, 0, KPT_HIST_LOG2_SLOTS * sizeof(slots[0]));
	for (i = 0; i < KPT_HIST_BUCKETS; i++) {
		uint64_t units;

		if (!hist->buckets[i])
			continue;
		units = bucket_low(i) / divisor;
		slots[units ? 64 - __builtin_clzll(units) : 0] += hist->buckets[i];
	}
}

/**
 * kpt_linear_parse - parse "linear:STEP[,MIN,MAX]"
 * @text: the argument of --hist; each number is in @unit_ns unless it has
 *	its own unit (ns, us, ms, s)
 * @unit_ns: the unit of bare numbers, in nanoseconds
 * @linear: set on success; MIN defaults to 0 and MAX to MIN + 20 * STEP
 *
 * Returns 0, or -1 if @text is not that, STEP is 0, MAX is not above MIN, or
 * it makes more than KPT_LINEAR_MAX_BUCKETS buckets.
 */
int kpt_linear_parse(const char *text, uint64_t unit_ns, struct kpt_linear *linear)
{
	uint64_t values[3] = { 0, 0, 0 };
	char *copy, *part, *save = NULL;
	int n = 0, ret = -1;

	if (strncmp(text, "linear:", 7) != 0)
		return -1;
	copy = strdup(text + 7);
	if (!copy)
		return -1;
	for (part = strtok_r(copy, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
		if (n == 3 || kpt_parse_ns(part, unit_ns, &values[n]) < 0)
			goto out;
		n++;
	}
	if (n != 1 && n != 3)
		goto out;
	if (n == 1)
		values[2] = 20 * values[0];
	if (!values[0] || values[2] <= values[1] ||
	    (values[2] - values[1]) / values[0] >= KPT_LINEAR_MAX_BUCKETS)
		goto out;
	linear->step = values[0];
	linear->min = values[1];
	linear->nr = (values[2] - values[1] + values[0] - 1) / values[0];
	linear->max = linear->min + linear->nr * linear->step;
	ret = 0;
out:
	free(copy);
	return ret;
}

/**
 * kpt_linear_slot - the count a value goes to: 0 below min, nr + 1 from max up
 * @linear: the shape
 * @value: the value
 */
unsigned int kpt_linear_slot(const struct kpt_linear *linear, uint64_t value)
{
	if (value < linear->min)
		return 0;
	if (value >= linear->max)
		return linear->nr + 1;
	return 1 + (value - linear->min) / linear->step;
}
