#' STL decomposition detector
#'
#' Decomposes each value column with `forecast::mstl()` (seasonal-trend
#' decomposition by Loess; robust fitting by default) and scores each point by
#' its remainder, centred on the training remainders' median and divided by
#' their robust scale (1.4826 * MAD). Higher means more anomalous. A scored
#' series is decomposed on its own, so the score at `t` also depends on later
#' rows (not causal). `score()` attaches the rows that
#' `forecast::tsoutliers()` flags as the attribute `"outliers"`.
#'
#' @inheritParams sarima_detector
#' @param seasonal_window Loess window of the seasonal component (odd, >= 7),
#'   or `"periodic"` for a fixed seasonal shape.
#' @param robust Robust Loess fitting, so that anomalies do not bend the
#'   decomposition.
#' @return An unfitted detector of class `anomalia_stl`.
#' @examples
#' x <- sin(2 * pi * seq_len(300) / 12) + stats::rnorm(300, sd = 0.2)
#' x[100] <- x[100] + 5
#' which.max(score(fit(stl_detector(period = 12), x), x))
#' @export
stl_detector <- function(period = NULL, seasonal_window = "periodic", robust = TRUE,
                         contamination = 0.01) {
  check_count(period, minimum = 1, allow_null = TRUE)
  periodic <- identical(seasonal_window, "periodic")
  if (!periodic && !(is.numeric(seasonal_window) && length(seasonal_window) == 1 &&
    !is.na(seasonal_window) && seasonal_window >= 7 && seasonal_window %% 2 == 1)) {
    abort_argument(sprintf(
      "`seasonal_window` must be \"periodic\" or an odd number >= 7, not %s.",
      describe(seasonal_window)
    ))
  }
  check_flag(robust)
  check_contamination(contamination)
  params <- list(
    period = period, seasonal_window = seasonal_window, robust = robust,
    contamination = contamination
  )
  new_detector(params, match.call(), "anomalia_stl")
}

#' @rdname stl_detector
#' @param object A `stl_detector()`.
#' @param x Values ordered in time (vector, matrix or data frame).
#' @param ... Unused.
#' @export
fit.anomalia_stl <- function(object, x, ...) {
  minimum <- if (is.null(object$params$period)) 20L else as.integer(2 * object$params$period + 1)
  x <- as_value_matrix(x, minimum = minimum)
  object$periods <- vapply(seq_len(ncol(x)), function(j) {
    as.integer(object$params$period %||% detect_period(x[, j]))
  }, integer(1))
  object$centers <- numeric(ncol(x))
  object$scales <- numeric(ncol(x))
  for (j in seq_len(ncol(x))) {
    remainder <- stl_remainder(x[, j], object$periods[[j]], object$params)
    object$centers[[j]] <- stats::median(remainder)
    object$scales[[j]] <- robust_residual_scale(remainder, x[, j])
  }
  finish_fit(object, x)
}

#' @rdname stl_detector
#' @export
score.anomalia_stl <- function(object, x, ...) {
  x <- check_score_input(object, x)
  scores <- score_matrix(object, x)
  attr(scores, "outliers") <- sort(unique(unlist(lapply(seq_len(ncol(x)), function(j) {
    period <- object$periods[[j]]
    if (length(x[, j]) < 2 * period + 1) period <- 1
    forecast::tsoutliers(stats::ts(x[, j], frequency = period))$index
  }))))
  scores
}

#' @export
score_matrix.anomalia_stl <- function(object, x) {
  columns <- lapply(seq_len(ncol(x)), function(j) {
    remainder <- stl_remainder(x[, j], object$periods[[j]], object$params)
    abs(remainder - object$centers[[j]]) / object$scales[[j]]
  })
  do.call(pmax, columns)
}

stl_remainder <- function(series, period, params) {
  if (diff(range(series)) == 0) {
    return(numeric(length(series)))
  }
  # A series shorter than two seasons has no seasonal part to estimate.
  if (length(series) < 2 * period + 1) period <- 1
  window <- if (identical(params$seasonal_window, "periodic")) "periodic" else params$seasonal_window
  decomposition <- forecast::mstl(stats::ts(series, frequency = period),
    s.window = window, robust = params$robust
  )
  as.numeric(forecast::remainder(decomposition))
}

#' @export
print.anomalia_stl <- function(x, ...) {
  cat("<anomalia_stl detector>\n")
  if (is.null(x$threshold)) {
    cat("  unfitted; period:", x$params$period %||% "detected", "\n")
  } else {
    cat("  periods:", paste(x$periods, collapse = ", "), "\n")
    cat("  threshold:", format(x$threshold, digits = 4), "\n")
  }
  invisible(x)
}
