# Argument checks shared by the exported functions. Each raises an error of
# class `anomalia_error` phrased "`x` must be ..., not ...".

abort_argument <- function(message, call = rlang::caller_env()) {
  rlang::abort(message, class = c("anomalia_argument_error", "anomalia_error"), call = call)
}

abort_data <- function(message, call = rlang::caller_env()) {
  rlang::abort(message, class = c("anomalia_data_error", "anomalia_error"), call = call)
}

describe <- function(x) {
  if (is.null(x)) {
    return("NULL")
  }
  if (length(x) != 1) {
    return(sprintf("a %s vector of length %d", class(x)[[1]], length(x)))
  }
  if (is.character(x)) {
    return(sprintf("\"%s\"", x))
  }
  format(x)
}

check_count <- function(x, minimum = 1, allow_null = FALSE, arg = rlang::caller_arg(x),
                        call = rlang::caller_env()) {
  if (allow_null && is.null(x)) {
    return(invisible(x))
  }
  ok <- is.numeric(x) && length(x) == 1 && !is.na(x) && x == round(x) && x >= minimum
  if (!ok) {
    abort_argument(sprintf("`%s` must be a whole number >= %s, not %s.", arg, minimum, describe(x)),
      call = call
    )
  }
  invisible(x)
}

check_number <- function(x, lower = -Inf, upper = Inf, arg = rlang::caller_arg(x),
                         call = rlang::caller_env()) {
  ok <- is.numeric(x) && length(x) == 1 && !is.na(x) && x >= lower && x <= upper
  if (!ok) {
    abort_argument(
      sprintf("`%s` must be a number in [%s, %s], not %s.", arg, lower, upper, describe(x)),
      call = call
    )
  }
  invisible(x)
}

# The one allowed range of `contamination`, the same as Python's
# (anomalia.detectors.params.CONTAMINATION): a share of points in (0, 0.5).
check_contamination <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  ok <- is.numeric(x) && length(x) == 1 && !is.na(x) && x > 0 && x < 0.5
  if (!ok) {
    abort_argument(
      sprintf("`%s` must be a number in (0, 0.5), not %s.", arg, describe(x)),
      call = call
    )
  }
  invisible(x)
}

check_flag <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (!(is.logical(x) && length(x) == 1 && !is.na(x))) {
    abort_argument(sprintf("`%s` must be TRUE or FALSE, not %s.", arg, describe(x)), call = call)
  }
  invisible(x)
}

check_string <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (!(is.character(x) && length(x) == 1 && !is.na(x) && nzchar(x))) {
    abort_argument(sprintf("`%s` must be a non-empty string, not %s.", arg, describe(x)),
      call = call
    )
  }
  invisible(x)
}

# A numeric vector or matrix of finite values becomes a matrix, one column per
# value column, at least `minimum` rows.
as_value_matrix <- function(x, minimum = 2, arg = rlang::caller_arg(x),
                            call = rlang::caller_env()) {
  if (is.data.frame(x)) {
    numeric <- vapply(x, is.numeric, logical(1))
    if (!all(numeric)) {
      abort_argument(sprintf(
        "`%s` must have numeric columns only, not column `%s` of class %s.",
        arg, names(x)[!numeric][[1]], class(x[[which(!numeric)[[1]]]])[[1]]
      ), call = call)
    }
    x <- as.matrix(x)
  }
  if (!is.numeric(x) || (!is.null(dim(x)) && length(dim(x)) != 2)) {
    abort_argument(sprintf(
      "`%s` must be a numeric vector, matrix or data frame, not %s.", arg,
      class(x)[[1]]
    ), call = call)
  }
  if (is.null(dim(x))) {
    x <- matrix(as.numeric(x), ncol = 1)
  }
  storage.mode(x) <- "double"
  bad <- which(!is.finite(x), arr.ind = TRUE)
  if (length(bad) > 0) {
    bad <- matrix(bad, ncol = 2)
    kind <- if (is.na(x[bad[1, 1], bad[1, 2]])) "missing" else "infinite"
    abort_data(sprintf(
      "`%s` must hold finite values, not a %s value at row %d, column %d; impute first (`impute_observations()`).",
      arg, kind, bad[1, 1], bad[1, 2]
    ), call = call)
  }
  if (nrow(x) < minimum) {
    abort_data(sprintf("`%s` must have at least %d rows, not %d.", arg, minimum, nrow(x)),
      call = call
    )
  }
  x
}
