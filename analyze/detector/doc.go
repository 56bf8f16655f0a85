// Package detector judges one time series causally and streaming: each
// value against what came before it, never after. It is the one judgement
// behind `hindsight detect` and the analysis's "this moved more than
// usual".
//
// For each value x_t at time t:
//
//  1. Prediction. The expected value is the median of the last Level
//     deseasonalised values plus the offset of t's seasonal slot. Three
//     models run side by side: no seasonality, time of day and day of week
//     (slots at least 5 minutes wide, offsets learned online with rate
//     Alpha, an outlier moving a slot by at most four mean errors). The one
//     used is the plain level unless a seasonal model, seen over two full
//     periods, has a mean absolute error below Gain times the plain one's.
//     The median re-baselines a level shift once it holds for Level/2 rows.
//     Alongside runs a fourth prediction, the same time a week before:
//     the mean of that slot's values then, moved by the change in the
//     plain level since (a seasonal naive forecast). It needs one week,
//     not a choice on the mean error over all rows, so a weekly shape
//     seen once (weekends at a fifth of the load) is expected the next
//     week; see step 2 for how it is used.
//     With Config.AnyHour only the plain level predicts: "rare for this
//     series at any hour" rather than "for this time of day", the
//     analysis's question for a stretch found against its whole baseline
//     (a spike every night at 03:00 stays rare there; the time-of-day
//     model learns it).
//
//  2. Tail probability of the error e_t = x_t - expected. Among the last
//     History absolute errors (by default a week of rows at the series'
//     step, between 1,000 and 100,000 rows, kept in an order-statistics
//     structure so that a long record costs little more than a short
//     one), up to their 90th percentile u it is the
//     conformal p-value (1 + #{past ≥ |e_t|}) / (n + 1) (Vovk et al.,
//     "Algorithmic Learning in a Random World"); past u the errors are
//     taken to have an exponential tail (peaks over threshold with shape 0,
//     as in SPOT, Siffer et al. 2017, which fits the shape too):
//     p = f·exp(-(|e_t| - u)/β), f the fraction of errors over u, β their
//     mean excess (the 99th percentile's when larger, for heavy tails).
//     The tail keeps the judgement when the record already holds an
//     anomaly: a second spike as high as the first is still rare. Ranks
//     and quantiles need no mean or variance, so counts (mostly 0, a few
//     1s), constant stretches and values near the largest float are
//     judged without special cases; a value beyond a record of equal
//     errors has p = 0.
//
//     A row the chosen model finds unusual (beyond its 90th percentile)
//     gets a second opinion from the week before: when its error is
//     smaller, p is the larger of the two, the week before's p being the
//     smaller of its p on its own record (a sample of 1,000 of its errors
//     over about a week, used from 100 on) and on the chosen model's. A
//     row is usual when either prediction explains it; the week before
//     explains it only as closely as the chosen model usually predicts,
//     since its own record carries each past anomaly twice (the second
//     time as the echo of a normal row against last week's anomalous
//     one) and alone would explain away new ones. An anomaly the week
//     before did not have is still found.
//
//  3. Score = -log10(p · minute/step) / 10, clipped to [0, 1]: p is made
//     a rate per minute of the series' time, so that one threshold means
//     one rate of false alarms whatever the sampling step. On normal data
//     a score of at least s comes about once in 10^(10 s) minutes (0.3:
//     once a day at one row a minute; 0.5: once in 70 days).
//
//  4. Onset. Like Numenta's anomaly likelihood, which judges a recent
//     stretch of prediction errors against their longer history, the
//     output for alerting is about new events: Onset is the score when it
//     exceeds the recent maximum (which decays by half every Refractory
//     rows) and 0 otherwise, so a permanent step scores once and an
//     incident that gets worse scores again.
//
// Config's zero value is the one setting used for every series; the
// figures in BENCHMARKS.md are measured with it.
package detector
