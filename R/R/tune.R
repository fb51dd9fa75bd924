#' Tune detectors with caret time-slice cross-validation
#'
#' `tune_detector()` tunes the SARIMA or STL detector's parameters on a
#' labelled series: caret (`trainControl(method = "timeslice")`) fits each
#' candidate on a rolling window of `initial_window` rows and flags the next
#' `horizon` rows (scored with the window as history), and keeps the
#' candidate with the best mean F1 of the anomaly class over the slices
#' (slices without labelled or flagged anomalies are left out of the mean).
#' `tune_supervised()` tunes a random forest (randomForest through caret,
#' parameter `min_samples_leaf`) on causal features of the series (lags,
#' differences, deviation from trailing windows and from one season ago) the
#' same way.
#'
#' The result's `params` are named as the Python detectors' parameters, so
#' `write_params()` writes a file that `anomalia train --detector NAME
#' --params FILE` accepts: `sarima`/`stl` for the detectors, `random_forest`
#' (`min_samples_leaf`, `n_estimators`) for the supervised model.
#'
#' @param x A numeric series without missing values.
#' @param labels 0/1 labels, one per value.
#' @param detector `"sarima"` or `"stl"`.
#' @param grid Candidate parameters, a data frame (one column per parameter);
#'   by default a small grid around the detected period.
#' @param initial_window,horizon,skip Rows in each training window (by
#'   default 200, or two seasons and 10 rows when longer), rows flagged after
#'   it, and rows skipped between slices (by default `horizon - 1`, slices
#'   side by side, or more to keep about 20 slices on long series).
#' @return A list of class `anomalia_tuning`: `detector`, `params` (best),
#'   `f1` (its mean F1) and `results` (every candidate).
#' @examples
#' if (requireNamespace("caret", quietly = TRUE) && requireNamespace("randomForest", quietly = TRUE)) {
#'   set.seed(1)
#'   x <- sin(2 * pi * seq_len(400) / 12) + stats::rnorm(400, sd = 0.2)
#'   labels <- integer(400)
#'   labels[c(250, 330, 380)] <- 1L
#'   x[labels == 1] <- x[labels == 1] + 4
#'   grid <- data.frame(period = 12, seasonal_window = 0, contamination = c(0.01, 0.02))
#'   tuned <- tune_detector(x, labels, "stl", grid = grid, initial_window = 200, horizon = 50)
#'   tuned
#'   write_params(tuned, tempfile(fileext = ".json"))
#'   tune_supervised(x, labels, period = 12, min_samples_leaf = c(1, 5), n_estimators = 20)
#' }
#' @export
tune_detector <- function(x, labels, detector = c("sarima", "stl"), grid = NULL,
                          initial_window = NULL, horizon = 50, skip = NULL) {
  detector <- rlang::arg_match(detector)
  require_caret()
  check_count(initial_window, minimum = 20, allow_null = TRUE)
  check_count(horizon, minimum = 1)
  check_count(skip, minimum = 0, allow_null = TRUE)
  x <- as_value_matrix(x, minimum = 2)[, 1]
  labels <- check_labels(labels, length(x))
  # The season is a property of the values (no labels): found on the whole series.
  period <- detect_period(x)
  initial_window <- initial_window %||% default_window(period)
  check_slices(x, initial_window, horizon)
  skip <- skip %||% default_skip(length(x), initial_window, horizon)
  grid <- grid %||% default_grid(detector, period)
  if (!is.data.frame(grid) || nrow(grid) == 0) {
    abort_argument(sprintf("`grid` must be a data frame of candidates, not %s.", class(grid)[[1]]))
  }
  model <- detector_model(detector, names(grid))
  fitted <- train_slices(
    x = data.frame(value = x), y = factor(labels, levels = c(0, 1)),
    method = model, tuneGrid = grid, metric = "F1", maximize = TRUE,
    trControl = time_slices(initial_window, horizon, skip)
  )
  tuning_result(detector, fitted)
}

#' @rdname tune_detector
#' @param period Season length in rows for the features, or `NULL` to detect it.
#' @param min_samples_leaf Candidate smallest leaf sizes (randomForest's
#'   `nodesize`, scikit-learn's `min_samples_leaf`).
#' @param n_estimators Trees per forest.
#' @param seed Random seed, for reproducible forests.
#' @export
tune_supervised <- function(x, labels, period = NULL, min_samples_leaf = c(1, 5, 20),
                            n_estimators = 100, initial_window = NULL, horizon = 50,
                            skip = NULL, seed = 0) {
  require_caret()
  check_count(initial_window, minimum = 20, allow_null = TRUE)
  check_count(horizon, minimum = 1)
  x <- as_value_matrix(x, minimum = 2)[, 1]
  labels <- check_labels(labels, length(x))
  check_count(period, minimum = 2, allow_null = TRUE)
  check_count(n_estimators, minimum = 1)
  check_count(seed, minimum = 0)
  check_count(skip, minimum = 0, allow_null = TRUE)
  period <- period %||% detect_period(x)
  initial_window <- initial_window %||% default_window(period)
  check_slices(x, initial_window, horizon)
  skip <- skip %||% default_skip(length(x), initial_window, horizon)
  set.seed(seed)
  fitted <- train_slices(
    x = series_features(x, period),
    y = factor(labels, levels = c(0, 1), labels = c("normal", "anomaly")),
    method = forest_model(n_estimators), tuneGrid = data.frame(min_samples_leaf = min_samples_leaf),
    metric = "F1", maximize = TRUE, trControl = time_slices(initial_window, horizon, skip)
  )
  result <- tuning_result("random_forest", fitted)
  result$params <- list(
    min_samples_leaf = as.integer(result$params$min_samples_leaf),
    n_estimators = as.integer(n_estimators)
  )
  result$model <- fitted$finalModel
  result
}

# randomForest as a caret model tuned on the leaf size, the parameter it
# shares with scikit-learn's forest (Python's `random_forest` detector).
forest_model <- function(n_estimators) {
  list(
    label = "random forest (leaf size)", library = "randomForest", type = "Classification",
    parameters = data.frame(parameter = "min_samples_leaf", class = "numeric", label = "leaf size"),
    grid = function(x, y, len = NULL, search = "grid") NULL,
    fit = function(x, y, wts, param, lev, last, classProbs, ...) {
      # A window without labelled anomalies (most, on real data) has one
      # class, which randomForest refuses; it predicts that class.
      if (length(unique(y)) < 2) {
        return(list(constant = as.character(y[[1]]), levels = levels(y)))
      }
      randomForest::randomForest(x, y, ntree = n_estimators, nodesize = param$min_samples_leaf)
    },
    predict = function(modelFit, newdata, submodels = NULL) {
      if (!is.null(modelFit$constant)) {
        return(factor(rep(modelFit$constant, nrow(newdata)), levels = modelFit$levels))
      }
      stats::predict(modelFit, newdata)
    },
    prob = NULL, sort = function(x) x
  )
}

#' @rdname tune_detector
#' @param tuning The result of `tune_detector()` or `tune_supervised()`.
#' @param path JSON file to write (atomically).
#' @export
write_params <- function(tuning, path) {
  if (!inherits(tuning, "anomalia_tuning")) {
    abort_argument(sprintf("`tuning` must be the result of tune_detector(), not %s.", class(tuning)[[1]]))
  }
  check_string(path)
  temporary <- tempfile(paste0(".", basename(path), "."), tmpdir = dirname(path))
  on.exit(unlink(temporary), add = TRUE)
  jsonlite::write_json(tuning$params, temporary, auto_unbox = TRUE, pretty = TRUE, digits = NA)
  file.rename(temporary, path)
  invisible(path)
}

#' @export
print.anomalia_tuning <- function(x, ...) {
  cat(sprintf("<anomalia_tuning: %s, mean F1 %.3f>\n", x$detector, x$f1))
  cat("  best:", paste(names(x$params), unlist(x$params), sep = " = ", collapse = ", "), "\n")
  invisible(x)
}

# caret::train(), without its warning about NA in resampled metrics: F1 is NA
# by design on slices with neither labelled nor flagged anomalies.
train_slices <- function(...) {
  withCallingHandlers(caret::train(...), warning = function(warning) {
    if (grepl("missing values in resampled performance", conditionMessage(warning), fixed = TRUE)) {
      invokeRestart("muffleWarning")
    }
  })
}

require_caret <- function(call = rlang::caller_env()) {
  if (!requireNamespace("caret", quietly = TRUE)) {
    rlang::abort("caret is needed for tuning; install it with `apt-get install r-cran-caret`.",
      class = c("anomalia_dependency_error", "anomalia_error"), call = call
    )
  }
}

check_labels <- function(labels, n, call = rlang::caller_env()) {
  if (!is.numeric(labels) || length(labels) != n || !all(labels %in% c(0, 1))) {
    abort_argument(sprintf(
      "`labels` must be %d values of 0 or 1 (one per value), not %s.", n, describe(labels)
    ), call = call)
  }
  as.integer(labels)
}

time_slices <- function(initial_window, horizon, skip) {
  caret::trainControl(
    method = "timeslice", initialWindow = initial_window, horizon = horizon,
    fixedWindow = TRUE, skip = skip, summaryFunction = f1_summary, savePredictions = "final",
    allowParallel = FALSE
  )
}

# F1 of the anomaly class (the second level); NA when a slice has neither
# labelled nor flagged anomalies, so that such slices do not count.
f1_summary <- function(data, lev = NULL, model = NULL) {
  positive <- levels(data$obs)[[2]]
  flagged <- data$pred == positive
  actual <- data$obs == positive
  true_positives <- sum(flagged & actual)
  if (sum(flagged) + sum(actual) == 0) {
    return(c(F1 = NA_real_))
  }
  c(F1 = 2 * true_positives / (sum(flagged) + sum(actual)))
}

# At least 200 rows, and two seasons and a margin, so that a seasonal
# candidate can be fitted on every window.
default_window <- function(period) {
  as.integer(max(200, 2 * period + 10))
}

check_slices <- function(x, initial_window, horizon, call = rlang::caller_env()) {
  if (length(x) < initial_window + horizon) {
    abort_data(sprintf(
      "`x` must have at least %d rows (`initial_window` %d + `horizon` %d), not %d.",
      initial_window + horizon, initial_window, horizon, length(x)
    ), call = call)
  }
}

# Slices side by side (skip = horizon - 1), but at most about 20 of them, so
# that the default search stays affordable on long series.
default_skip <- function(n, initial_window, horizon) {
  as.integer(max(horizon - 1, (n - initial_window - horizon) %/% 20))
}

default_grid <- function(detector, period) {
  if (detector == "sarima") {
    return(expand.grid(period = unique(c(period, 1)), max_order = c(1, 3), contamination = c(0.01, 0.02)))
  }
  expand.grid(period = unique(c(period, 1)), seasonal_window = c(0, 13), contamination = c(0.01, 0.02))
}

# A caret model (custom method) wrapping a detector: fit() on the window,
# predict() scores the window followed by the new rows and flags the new rows.
detector_model <- function(detector, parameters) {
  build <- function(param) {
    param <- as.list(param)
    if (!is.null(param$period) && param$period <= 1) param$period <- 1L
    if (!is.null(param$seasonal_window) && param$seasonal_window == 0) {
      param$seasonal_window <- "periodic"
    }
    switch(detector,
      sarima = do.call(sarima_detector, param),
      stl = do.call(stl_detector, param)
    )
  }
  list(
    label = paste(detector, "detector"), library = NULL, type = "Classification",
    parameters = data.frame(parameter = parameters, class = "numeric", label = parameters),
    grid = function(x, y, len = NULL, search = "grid") NULL,
    fit = function(x, y, wts, param, lev, last, classProbs, ...) {
      list(detector = fit(build(param), x$value), history = x$value, lev = lev)
    },
    predict = function(modelFit, newdata, submodels = NULL) {
      values <- c(modelFit$history, newdata$value)
      scores <- utils::tail(score(modelFit$detector, values), nrow(newdata))
      factor(ifelse(scores > modelFit$detector$threshold, modelFit$lev[[2]], modelFit$lev[[1]]),
        levels = modelFit$lev
      )
    },
    prob = NULL, sort = function(x) x
  )
}

tuning_result <- function(detector, fitted) {
  best <- as.list(fitted$bestTune)
  if (!is.null(best$seasonal_window)) {
    best$seasonal_window <- if (best$seasonal_window == 0) "periodic" else as.integer(best$seasonal_window)
  }
  if (!is.null(best$period)) {
    best$period <- if (best$period <= 1) NULL else as.integer(best$period)
  }
  if (!is.null(best$max_order)) best$max_order <- as.integer(best$max_order)
  row <- merge(fitted$results, fitted$bestTune)
  structure(
    list(detector = detector, params = best, f1 = row$F1[[1]], results = fitted$results),
    class = "anomalia_tuning"
  )
}

#' Causal features of a series for supervised models
#'
#' One row per value: lags 1-3, first difference, deviation from the trailing
#' mean of 12 rows in units of its standard deviation, and the difference
#' from one season ago. Leading rows without enough history take 0.
#'
#' @param x A numeric series.
#' @param period Season length in rows (1 for none).
#' @return A data frame of features.
#' @export
series_features <- function(x, period = 1) {
  check_series(x)
  check_count(period, minimum = 1)
  n <- length(x)
  lag <- function(k) c(rep(NA_real_, min(k, n)), x[seq_len(max(n - k, 0))])
  trailing_mean <- as.numeric(stats::filter(lag(1), rep(1 / 12, 12), sides = 1))
  trailing_sd <- sqrt(pmax(as.numeric(stats::filter(lag(1)^2, rep(1 / 12, 12), sides = 1)) -
    trailing_mean^2, 0))
  features <- data.frame(
    lag1 = lag(1), lag2 = lag(2), lag3 = lag(3), difference = x - lag(1),
    deviation = (x - trailing_mean) / pmax(trailing_sd, 1e-9),
    seasonal_difference = if (period > 1) x - lag(period) else x - lag(1)
  )
  features[is.na(features)] <- 0
  features
}
