#' Seasonal ARIMA forecast-residual detector
#'
#' Fits `forecast::auto.arima()` to each value column and scores each point by
#' its one-step-ahead forecast residual, in units of a robust scale (1.4826 *
#' MAD) of the training residuals; the same score as Python's
#' `ForecastResidualDetector`. New data are scored with the fitted
#' coefficients (`forecast::Arima(model = )`, no re-estimation), so the score
#' at `t` depends only on rows up to `t`.
#'
#' The season `period` is detected with [detect_season()] (the Python
#' package's method) when not given. Seasonal ARIMA's state grows with the period, so periods above
#' `max_period` (e.g. 288 five-minute points a day) are handled by a seasonal
#' difference at that lag followed by a non-seasonal `auto.arima()` (a
#' SARIMA(p,d,q)(0,1,0)\\[m\\]), which costs the same for any period; the first
#' `period` points of a scored series then have no forecast and score 0.
#'
#' @param period Season length in rows, or `NULL` to detect it.
#' @param max_period Longest period modelled by seasonal ARIMA terms.
#' @param max_order Largest non-seasonal AR and MA order searched.
#' @param max_train Training rows used (the most recent).
#' @param stepwise Stepwise search (fast) rather than the full grid.
#' @param contamination Expected share of anomalies; sets the threshold.
#' @return An unfitted detector of class `anomalia_sarima`.
#' @examples
#' x <- sin(2 * pi * seq_len(120) / 8) + stats::rnorm(120, sd = 0.2)
#' detector <- fit(sarima_detector(period = 8, max_order = 1), x)
#' detector
#' @export
sarima_detector <- function(period = NULL, max_period = 24, max_order = 3, max_train = 2000,
                            stepwise = TRUE, contamination = 0.01) {
  check_count(period, minimum = 1, allow_null = TRUE)
  check_count(max_period, minimum = 1)
  check_count(max_order, minimum = 0)
  check_count(max_train, minimum = 20)
  check_flag(stepwise)
  check_contamination(contamination)
  params <- list(
    period = period, max_period = max_period, max_order = max_order, max_train = max_train,
    stepwise = stepwise, contamination = contamination
  )
  new_detector(params, match.call(), "anomalia_sarima")
}

sarima_min_rows <- function(params) {
  if (is.null(params$period)) 20L else as.integer(2 * params$period + 10)
}

#' @rdname sarima_detector
#' @param object A `sarima_detector()`.
#' @param x Values ordered in time (vector, matrix or data frame).
#' @param ... Unused.
#' @export
fit.anomalia_sarima <- function(object, x, ...) {
  x <- as_value_matrix(x, minimum = sarima_min_rows(object$params))
  object$models <- lapply(seq_len(ncol(x)), function(j) fit_sarima_column(x[, j], object$params))
  object$residual_scale <- vapply(seq_len(ncol(x)), function(j) {
    residuals <- x[, j] - sarima_forecasts(object$models[[j]], x[, j])
    robust_residual_scale(residuals, x[, j])
  }, numeric(1))
  finish_fit(object, x)
}

#' @rdname sarima_detector
#' @export
score.anomalia_sarima <- function(object, x, ...) {
  score_matrix(object, check_score_input(object, x))
}

#' @export
score_matrix.anomalia_sarima <- function(object, x) {
  columns <- lapply(seq_len(ncol(x)), function(j) {
    scaled <- abs(x[, j] - sarima_forecasts(object$models[[j]], x[, j])) /
      object$residual_scale[[j]]
    scaled[is.na(scaled)] <- 0
    scaled
  })
  do.call(pmax, columns)
}

fit_sarima_column <- function(series, params) {
  recent <- utils::tail(series, params$max_train)
  if (diff(range(recent)) == 0) {
    return(list(kind = "naive", period = 1L))
  }
  period <- params$period %||% detect_period(recent)
  if (length(recent) < 2 * period + 10) period <- 1L
  search <- function(y, seasonal) {
    forecast::auto.arima(y,
      seasonal = seasonal, stepwise = params$stepwise, max.p = params$max_order,
      max.q = params$max_order, max.P = 1, max.Q = 1
    )
  }
  if (period > params$max_period) {
    differenced <- diff(recent, lag = period)
    return(list(kind = "differenced", period = as.integer(period), model = search(differenced, FALSE)))
  }
  if (period > 1) {
    return(list(
      kind = "seasonal", period = as.integer(period),
      model = search(stats::ts(recent, frequency = period), TRUE)
    ))
  }
  list(kind = "arima", period = 1L, model = search(recent, FALSE))
}

# One-step-ahead forecasts of `series` with fixed coefficients; NA where
# there is no history.
sarima_forecasts <- function(column_model, series) {
  n <- length(series)
  if (column_model$kind == "naive") {
    return(c(NA_real_, series[-n]))
  }
  period <- column_model$period
  if (column_model$kind == "differenced") {
    forecasts <- rep(NA_real_, n)
    if (n <= period + 1) {
      return(forecasts)
    }
    differenced <- diff(series, lag = period)
    refit <- forecast::Arima(differenced, model = column_model$model)
    forecasts[(period + 1):n] <- series[1:(n - period)] + as.numeric(stats::fitted(refit))
    return(forecasts)
  }
  refit <- forecast::Arima(stats::ts(series, frequency = period), model = column_model$model)
  as.numeric(stats::fitted(refit))
}

#' @export
print.anomalia_sarima <- function(x, ...) {
  cat("<anomalia_sarima detector>\n")
  if (is.null(x$threshold)) {
    cat("  unfitted; period:", x$params$period %||% "detected", "\n")
  } else {
    for (model in x$models) {
      label <- if (model$kind == "naive") "naive (constant column)" else forecast_label(model)
      cat("  ", label, "\n", sep = "")
    }
    cat("  threshold:", format(x$threshold, digits = 4), "\n")
  }
  invisible(x)
}

forecast_label <- function(model) {
  text <- paste(forecast::arimaorder(model$model), collapse = ",")
  switch(model$kind,
    differenced = sprintf("ARIMA(%s) on the lag-%d seasonal difference", text, model$period),
    sprintf("%s [period %d]", utils::capture.output(print(model$model))[[2]], model$period)
  )
}
