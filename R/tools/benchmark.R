# Speed of the R detectors per 10,000 points (median of 3 runs).
#   R_LIBS=.Rlib Rscript R/tools/benchmark.R
# Fit uses the most recent `max_train` (2000) rows for SARIMA; score filters
# all 10,000 rows with the fitted coefficients.
library(anomaliaR)
n <- 10000
runs <- 3
series <- function(period, seed) {
  set.seed(seed)
  sin(2 * pi * seq_len(n) / period) + 0.3 * stats::rnorm(n)
}
median_seconds <- function(expr) {
  stats::median(vapply(seq_len(runs), function(i) system.time(expr())[["elapsed"]], numeric(1)))
}
cases <- list(
  list(name = "sarima, period 24 (seasonal ARIMA)", make = function() sarima_detector(period = 24), period = 24),
  list(name = "sarima, period 288 (lag-288 difference)", make = function() sarima_detector(period = 288), period = 288),
  list(name = "stl, period 24", make = function() stl_detector(period = 24), period = 24),
  list(name = "stl, period 288", make = function() stl_detector(period = 288), period = 288)
)
cat("| detector | fit 10k (s) | score 10k (s) |\n|---|---|---|\n")
for (case in cases) {
  x <- series(case$period, 1)
  y <- series(case$period, 2)
  detector <- fit(case$make(), x)
  fit_time <- median_seconds(function() fit(case$make(), x))
  score_time <- median_seconds(function() score(detector, y))
  cat(sprintf("| %s | %.2f | %.2f |\n", case$name, fit_time, score_time))
}
