#' Transform a series: Box-Cox, robust scaling, deseasonalising
#'
#' `box_cox()` applies `forecast::BoxCox()` with `lambda` chosen by
#' `forecast::BoxCox.lambda()` (Guerrero's method) when `"auto"`;
#' `inverse_box_cox()` undoes it. `robust_scale()` centres on the median and
#' divides by 1.4826 * MAD (the scaling of Python's `RobustScaler` in
#' anomalia), so outliers do not set the scale. `deseasonalise()` removes the
#' seasonal component of an STL decomposition (`forecast::mstl()`). Each
#' records what it used as attributes, so the step can be undone or repeated
#' on new data.
#'
#' @param x A numeric vector without missing values (impute first).
#' @param lambda Box-Cox parameter, or `"auto"`.
#' @return The transformed vector with attributes: `"lambda"` (Box-Cox),
#'   `"center"` and `"scale"` (robust scaling), `"seasonal"` and `"period"`
#'   (deseasonalising).
#' @examples
#' y <- box_cox(exp(1:20 / 5))
#' attr(y, "lambda")
#' robust_scale(c(1, 2, 3, 100))
#' @export
box_cox <- function(x, lambda = "auto") {
  check_series(x)
  if (identical(lambda, "auto")) {
    if (any(x <= 0)) {
      abort_data("`x` must be positive for an automatic Box-Cox lambda, not hold values <= 0; shift it first.")
    }
    lambda <- forecast::BoxCox.lambda(x)
  } else {
    check_number(lambda, lower = -5, upper = 5)
  }
  out <- as.numeric(forecast::BoxCox(x, lambda))
  attr(out, "lambda") <- lambda
  out
}

#' @rdname box_cox
#' @export
inverse_box_cox <- function(x, lambda = attr(x, "lambda")) {
  check_number(lambda, lower = -5, upper = 5)
  as.numeric(forecast::InvBoxCox(as.numeric(x), lambda))
}

#' @rdname box_cox
#' @param center,scale Centre and scale to use (e.g. from training data), or
#'   `NULL` to compute them from `x`.
#' @export
robust_scale <- function(x, center = NULL, scale = NULL) {
  check_series(x)
  center <- center %||% stats::median(x)
  scale <- scale %||% (stats::mad(x, center = center, constant = 1.4826))
  check_number(center)
  check_number(scale, lower = 0)
  if (scale == 0) scale <- 1
  out <- (x - center) / scale
  attr(out, "center") <- center
  attr(out, "scale") <- scale
  out
}

#' @rdname box_cox
#' @param period Season length in rows, or `NULL` to detect it.
#' @export
deseasonalise <- function(x, period = NULL) {
  check_series(x)
  check_count(period, minimum = 1, allow_null = TRUE)
  period <- period %||% detect_period(x)
  if (length(x) < 2 * period + 1) {
    abort_data(sprintf(
      "`x` must span two seasons (%d rows) to deseasonalise, not %d rows.", 2 * period + 1, length(x)
    ))
  }
  seasonal <- numeric(length(x))
  if (period > 1) {
    decomposition <- forecast::mstl(stats::ts(x, frequency = period), robust = TRUE)
    seasonal <- as.numeric(forecast::seasonal(decomposition))
    if (is.matrix(forecast::seasonal(decomposition))) {
      seasonal <- rowSums(forecast::seasonal(decomposition))
    }
  }
  out <- as.numeric(x) - seasonal
  attr(out, "seasonal") <- seasonal
  attr(out, "period") <- as.integer(period)
  out
}

check_series <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (!is.numeric(x) || !is.null(dim(x))) {
    abort_argument(sprintf("`%s` must be a numeric vector, not %s.", arg, class(x)[[1]]), call = call)
  }
  if (length(x) < 3 || any(!is.finite(x))) {
    abort_data(sprintf(
      "`%s` must hold at least 3 finite values, not %s; impute missing values first.",
      arg, if (length(x) < 3) sprintf("%d values", length(x)) else "missing or infinite ones"
    ), call = call)
  }
  invisible(x)
}
