#' Detect the seasonal period of a series
#'
#' The same method as the Python package's `anomalia.features.season`, step
#' for step, so that both halves find the same season (48 on NYC taxi, 288
#' on five-minute data with a daily cycle):
#'
#' 1. the periodogram of the first differences proposes the peaks that stand
#'    out most against a running median (101 bins) of their neighbours;
#' 2. each candidate is located on a zero-padded spectrum (summed over four
#'    harmonics) and fixed to a whole number of rows by a harmonic
#'    regression; its multiples (up to 4) join the candidates;
#' 3. each candidate is scored by the autocorrelation, at a lag of one period,
#'    of the series minus its moving average over one period. The best score
#'    must reach 0.3; a divisor of the best period that scores at least 0.8 of
#'    its score is preferred.
#'
#' `season_strength()` returns the best candidate and its score without the
#' 0.3 cut.
#'
#' @param x A numeric vector of finite values, evenly spaced in time.
#' @param min_period Shortest period considered (>= 2).
#' @param max_period Longest period considered, or `NULL` for a third of the
#'   series (at least three cycles); never above half the series.
#' @return `detect_season()`: the period in rows, or `NULL` when there is no
#'   season. `season_strength()`: a list with `period` (or `NULL`) and
#'   `correlation`.
#' @examples
#' set.seed(1)
#' hourly <- sin(2 * pi * seq_len(24 * 28) / 24) + stats::rnorm(24 * 28, sd = 0.3)
#' detect_season(hourly)
#' detect_season(stats::rnorm(500))
#' @export
detect_season <- function(x, min_period = 4, max_period = NULL) {
  strength <- season_strength(x, min_period = min_period, max_period = max_period)
  if (is.null(strength$period) || strength$correlation < 0.3) {
    return(NULL)
  }
  strength$period
}

#' @rdname detect_season
#' @export
season_strength <- function(x, min_period = 4, max_period = NULL) {
  check_count(min_period, minimum = 2)
  check_count(max_period, minimum = 2, allow_null = TRUE)
  series <- as_value_matrix(x, minimum = 1, arg = "x")
  if (ncol(series) != 1) {
    abort_argument(sprintf("`x` must be one series, not %d columns.", ncol(series)))
  }
  season_of(series[, 1], min_period, max_period)
}

season_of <- function(series, min_period = 4, max_period = NULL) {
  n <- length(series)
  max_period <- min(as.integer(max_period %||% (n %/% 3)), n %/% 2)
  min_period <- as.integer(min_period)
  none <- list(period = NULL, correlation = 0)
  if (max_period < min_period || diff(range(series)) == 0) {
    return(none)
  }
  candidates <- candidate_periods(series, min_period, max_period)
  if (length(candidates) == 0) {
    return(none)
  }
  spectrum <- fine_spectrum(series)
  refined <- unique(vapply(candidates, function(rough) {
    whole_period(series, refine_period(spectrum, n, rough), min_period, max_period)
  }, numeric(1)))
  periods <- unique(unlist(lapply(refined, function(period) period * seq_len(4))))
  periods <- sort(periods[periods <= max_period])
  if (length(periods) == 0) {
    return(none)
  }
  scores <- vapply(periods, function(period) seasonal_correlation(series, period), numeric(1))
  # Highest score; among equal scores the shorter period (as Python's max()).
  best <- order(-scores, periods)[[1]]
  for (i in seq_along(periods)) {
    ratio <- periods[[best]] / periods[[i]]
    close_to_multiple <- periods[[i]] < periods[[best]] &&
      abs(ratio - round(ratio)) <= 0.02 * ratio
    if (close_to_multiple && scores[[i]] >= 0.8 * scores[[best]]) {
      best <- i
      break
    }
  }
  list(period = as.integer(periods[[best]]), correlation = scores[[best]])
}

# Periods (fractional) of the periodogram peaks of the first differences that
# stand out most (ratio >= 20) against a running median of their neighbours.
candidate_periods <- function(series, min_period, max_period) {
  differences <- diff(series)
  m <- length(differences)
  power <- Mod(stats::fft(differences)[seq_len(m %/% 2 + 1)])^2
  background <- c(power[[1]], running_median_mirror(power[-1], 101))
  prominence <- ifelse(background > 0, power / background, 0)
  # 0-based bin k is power[k + 1].
  low <- max(1, ceiling(m / max_period))
  high <- min(length(power) - 1, floor(m / min_period))
  if (high < low) {
    return(numeric(0))
  }
  bins <- low:high
  left <- power[bins]
  right <- power[pmin(bins + 1, length(power) - 1) + 1]
  here <- power[bins + 1]
  is_peak <- here >= left & here >= right & prominence[bins + 1] >= 20
  peaks <- bins[is_peak]
  peaks <- peaks[order(prominence[peaks + 1], decreasing = TRUE)][seq_len(min(5, length(peaks)))]
  m / peaks
}

# scipy.ndimage.median_filter(x, size, mode = "mirror"): the median of the
# `size` values centred on each point, the series reflected about its ends.
running_median_mirror <- function(x, size) {
  n <- length(x)
  half <- size %/% 2
  index <- seq(-half, n - 1 + half)
  if (n == 1) {
    index <- rep(0, length(index))
  } else {
    cycle <- 2 * (n - 1)
    index <- abs(index) %% cycle
    index <- ifelse(index > n - 1, cycle - index, index)
  }
  padded <- x[index + 1]
  stats::runmed(padded, size, endrule = "keep", algorithm = "Stuetzle")[half + seq_len(n)]
}

# Power spectrum of the linearly detrended series, zero-padded 16 times (to a
# power of two).
fine_spectrum <- function(series) {
  n <- length(series)
  time <- seq_len(n) - 1
  slope <- stats::lm.fit(cbind(1, time), series)$coefficients
  detrended <- series - (slope[[1]] + slope[[2]] * time)
  size <- 2^ceiling(log2(16 * n))
  transform <- stats::fft(c(detrended, numeric(size - n)))[seq_len(size / 2 + 1)]
  Re(transform)^2 + Im(transform)^2
}

# The fractional period near `rough` whose first four harmonics carry the
# most power on the fine spectrum, refined by a parabola through the peak.
refine_period <- function(spectrum, n, rough) {
  size <- 2 * (length(spectrum) - 1)
  centre <- size / rough
  width <- size / n
  grid <- seq(max(1, trunc(centre - width)), ceiling(centre + width))
  total <- numeric(length(grid))
  for (harmonic in 1:4) {
    index <- harmonic * grid
    if (index[[length(index)]] >= length(spectrum)) break
    total <- total + spectrum[index + 1]
  }
  best <- which.max(total)
  peak <- grid[[best]]
  if (best > 1 && best < length(grid)) {
    left <- total[[best - 1]]
    middle <- total[[best]]
    right <- total[[best + 1]]
    curvature <- left - 2 * middle + right
    if (curvature < 0) peak <- peak + 0.5 * (left - right) / curvature
  }
  size / peak
}

# The whole period near `estimate` that a harmonic regression (level, slope,
# up to four harmonics) fits with the smallest residual.
whole_period <- function(series, estimate, min_period, max_period) {
  n <- length(series)
  bin_rows <- estimate^2 / n
  spread <- min(16, ceiling(0.15 * bin_rows))
  centre <- round(estimate)
  low <- max(min_period, centre - spread)
  high <- min(max_period, centre + spread)
  if (bin_rows < 2 || high <= low) {
    return(min(max(centre, min_period), max_period))
  }
  time <- seq_len(n) - 1
  residuals <- vapply(low:high, function(period) {
    angle <- 2 * pi * time / period
    harmonics <- seq_len(min(4, (period - 1) %/% 2))
    design <- cbind(1, time / n, do.call(cbind, lapply(harmonics, function(h) {
      cbind(cos(h * angle), sin(h * angle))
    })))
    decomposition <- qr(design)
    if (decomposition$rank < ncol(design) || n <= ncol(design)) {
      return(Inf)
    }
    sum(qr.resid(decomposition, series)^2)
  }, numeric(1))
  low + which.min(residuals) - 1
}

seasonal_correlation <- function(series, period) {
  residual <- minus_moving_average(series, period)
  n <- length(residual)
  if (n <= period + 2) {
    return(0)
  }
  head <- residual[seq_len(n - period)]
  tail <- residual[(period + 1):n]
  spread <- population_sd(head) * population_sd(tail)
  if (spread == 0) {
    return(0)
  }
  mean((head - mean(head)) * (tail - mean(tail))) / spread
}

population_sd <- function(x) sqrt(mean((x - mean(x))^2))

minus_moving_average <- function(series, window) {
  cumulative <- c(0, cumsum(series))
  n <- length(series)
  average <- (cumulative[(window + 1):(n + 1)] - cumulative[1:(n + 1 - window)]) / window
  offset <- window %/% 2
  series[offset + seq_along(average)] - average
}
