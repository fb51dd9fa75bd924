#' The detector interface
#'
#' Every anomaliaR detector is built by its constructor (`sarima_detector()`,
#' `stl_detector()`), fitted with `fit()` and applied with `score()` (one score
#' per row, higher means more anomalous) and `predict()` (`TRUE` where the
#' score exceeds the threshold). The threshold is the `1 - contamination`
#' quantile of the training scores, as in the Python detectors. A fitted
#' detector is saved as RDS with `save_detector()` and read back with
#' `load_detector()`.
#'
#' @param object A detector.
#' @param x A numeric vector (one series), or a matrix or data frame with one
#'   numeric column per value column, rows ordered in time, no missing values.
#' @param ... Unused.
#' @return `fit()`: the fitted detector. `score()`: a numeric vector, one score
#'   per row of `x`.
#' @examples
#' x <- sin(2 * pi * seq_len(160) / 8) + stats::rnorm(160, sd = 0.2)
#' x[140] <- x[140] + 5
#' detector <- fit(sarima_detector(period = 8, max_order = 1), x[1:100])
#' which.max(score(detector, x))
#' predict(detector, x[131:150])
#' path <- tempfile(fileext = ".rds")
#' save_detector(detector, path)
#' identical(score(load_detector(path), x), score(detector, x))
#' @export
fit <- function(object, x, ...) {
  UseMethod("fit")
}

#' @rdname fit
#' @export
score <- function(object, x, ...) {
  UseMethod("score")
}

#' @rdname fit
#' @export
fit.default <- function(object, x, ...) {
  abort_argument(sprintf(
    "`object` must be an anomaliaR detector (e.g. `sarima_detector()`), not %s.",
    class(object)[[1]]
  ))
}

#' @rdname fit
#' @export
score.default <- fit.default

#' @rdname fit
#' @param newdata Values to flag, as `x`.
#' @export
predict.anomalia_detector <- function(object, newdata, ...) {
  score(object, newdata) > object$threshold
}

check_fitted <- function(object, call = rlang::caller_env()) {
  if (is.null(object$threshold)) {
    rlang::abort(
      sprintf("`object` must be a fitted %s, not an unfitted one: call fit first.", class(object)[[1]]),
      class = c("anomalia_not_fitted_error", "anomalia_error"), call = call
    )
  }
}

new_detector <- function(params, call, class) {
  structure(list(params = params, call = call), class = c(class, "anomalia_detector"))
}

# Threshold and training scores are set the same way for every detector.
finish_fit <- function(object, x) {
  object$n_features <- ncol(x)
  object$threshold <- NULL
  train_scores <- score_matrix(object, x)
  object$threshold <- unname(stats::quantile(train_scores, 1 - object$params$contamination,
    type = 7
  ))
  object
}

score_matrix <- function(object, x) {
  UseMethod("score_matrix")
}

check_score_input <- function(object, x, call = rlang::caller_env()) {
  check_fitted(object, call = call)
  x <- as_value_matrix(x, minimum = 1, call = call)
  if (ncol(x) != object$n_features) {
    abort_data(sprintf(
      "`x` must have %d value column(s) as in fit, not %d.", object$n_features, ncol(x)
    ), call = call)
  }
  x
}

# |residual| in units of a robust scale (1.4826 * MAD), floored so that a
# perfectly modelled column gives finite scores; as Python's
# ForecastResidualDetector.
robust_residual_scale <- function(residuals, values) {
  center <- stats::median(residuals, na.rm = TRUE)
  mad <- stats::median(abs(residuals - center), na.rm = TRUE) * 1.4826
  max(mad, stats::sd(values) * 1e-3, 1e-12)
}

#' @rdname fit
#' @param path File to write (`.rds`).
#' @export
save_detector <- function(object, path) {
  if (!inherits(object, "anomalia_detector")) {
    abort_argument(sprintf("`object` must be an anomaliaR detector, not %s.", class(object)[[1]]))
  }
  check_fitted(object)
  check_string(path)
  temporary <- tempfile(paste0(".", basename(path), "."), tmpdir = dirname(path))
  on.exit(unlink(temporary), add = TRUE)
  saveRDS(object, temporary)
  file.rename(temporary, path)
  invisible(path)
}

#' @rdname fit
#' @export
load_detector <- function(path) {
  check_string(path)
  if (!file.exists(path)) {
    abort_data(sprintf("%s: no such file", path))
  }
  object <- tryCatch(readRDS(path), error = function(error) {
    abort_data(sprintf("%s: not an RDS file (%s)", path, conditionMessage(error)), call = NULL)
  })
  if (!inherits(object, "anomalia_detector")) {
    abort_data(sprintf("%s: expected a saved anomaliaR detector, got %s", path, class(object)[[1]]))
  }
  object
}

# The season (detect_season(), the Python package's method), or 1 when there is none.
detect_period <- function(x) {
  strength <- season_of(as.numeric(x))
  if (is.null(strength$period) || strength$correlation < 0.3) 1L else strength$period
}
