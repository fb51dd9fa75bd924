#' Impute missing values
#'
#' `impute_series()` fills the `NA`s of one numeric series;
#' `impute_observations()` fills the value columns of a contract observations
#' table series by series (never across series) and sets the
#' `<column>_imputed` flags, as Python's `anomalia.preprocess.fill_missing()`
#' does (flags already set stay set).
#'
#' Methods: `"linear"` and `"spline"` interpolate in row order
#' (`zoo::na.approx()`, `zoo::na.spline()`; leading and trailing gaps take the
#' nearest value for `"linear"`); `"seasonal"` uses `forecast::na.interp()`,
#' which interpolates a robust STL decomposition when the series has a
#' season (`period`, detected when `NULL`); `"mice"` (observations only)
#' imputes all value columns jointly by predictive mean matching with
#' `mice`, the row index a predictor too.
#'
#' @param x A numeric vector with `NA`s.
#' @param method One of `"linear"`, `"spline"`, `"seasonal"` (and `"mice"` for
#'   `impute_observations()`).
#' @param period Season length in rows for `"seasonal"`, or `NULL` to detect it.
#' @return `impute_series()`: the filled vector, with a logical attribute
#'   `"imputed"` marking the filled positions. `impute_observations()`: the
#'   frame with filled value columns and `<column>_imputed` flags.
#' @examples
#' impute_series(c(1, NA, 3, NA, 5))
#' @export
impute_series <- function(x, method = c("linear", "spline", "seasonal"), period = NULL) {
  method <- rlang::arg_match(method)
  if (!is.numeric(x) || !is.null(dim(x))) {
    abort_argument(sprintf("`x` must be a numeric vector, not %s.", class(x)[[1]]))
  }
  check_count(period, minimum = 1, allow_null = TRUE)
  missing <- is.na(x)
  if (all(missing)) {
    abort_data("`x` must have at least one value, not only missing values.")
  }
  filled <- if (!any(missing)) {
    as.numeric(x)
  } else if (sum(!missing) == 1) {
    rep(x[!missing][[1]], length(x))
  } else {
    fill_vector(as.numeric(x), method, period)
  }
  attr(filled, "imputed") <- missing
  filled
}

fill_vector <- function(x, method, period) {
  switch(method,
    linear = as.numeric(zoo::na.approx(x, na.rm = FALSE, rule = 2)),
    spline = as.numeric(zoo::na.spline(x, na.rm = FALSE)),
    seasonal = {
      if (is.null(period)) {
        period <- detect_period(zoo::na.approx(x, na.rm = FALSE, rule = 2))
      }
      if (sum(!is.na(x)) < 2 * period + 1) period <- 1
      as.numeric(forecast::na.interp(stats::ts(x, frequency = period)))
    }
  )
}

#' @rdname impute_series
#' @param frame Observations: `series_id`, `timestamp` and value columns,
#'   rows of a series contiguous and ordered in time.
#' @param columns Value columns to fill; by default every numeric column other
#'   than `label` and the flags.
#' @param seed Random seed for `"mice"`.
#' @export
impute_observations <- function(frame, method = c("linear", "spline", "seasonal", "mice"),
                                columns = NULL, period = NULL, seed = NULL) {
  method <- rlang::arg_match(method)
  if (!is.data.frame(frame)) {
    abort_argument(sprintf("`frame` must be a data frame, not %s.", class(frame)[[1]]))
  }
  missing_columns <- setdiff(c("series_id", "timestamp"), names(frame))
  if (length(missing_columns) > 0) {
    abort_data(sprintf("`frame` must have a column `%s`, not lack it.", missing_columns[[1]]))
  }
  columns <- columns %||% default_value_columns(frame)
  unknown <- setdiff(columns, names(frame))
  if (length(unknown) > 0) {
    abort_argument(sprintf("`columns` must name columns of `frame`, not `%s`.", unknown[[1]]))
  }
  for (column in columns) {
    if (!is.numeric(frame[[column]])) {
      abort_data(sprintf(
        "column `%s` must be numeric, not %s.", column, class(frame[[column]])[[1]]
      ))
    }
  }
  if (length(columns) == 0) {
    abort_data("`frame` must have at least one numeric value column, not none.")
  }
  rows_by_series <- split(seq_len(nrow(frame)), factor(frame$series_id, unique(frame$series_id)))
  check_count(seed, minimum = 0, allow_null = TRUE)
  if (method == "mice" && !requireNamespace("mice", quietly = TRUE)) {
    rlang::abort("mice is needed for `method = \"mice\"`; install it with `apt-get install r-cran-mice`.",
      class = c("anomalia_dependency_error", "anomalia_error")
    )
  }
  for (column in columns) {
    flag <- paste0(column, "_imputed")
    previous <- if (flag %in% names(frame)) frame[[flag]] %in% TRUE else rep(FALSE, nrow(frame))
    frame[[flag]] <- previous | is.na(frame[[column]])
  }
  for (series in names(rows_by_series)) {
    rows <- rows_by_series[[series]]
    for (column in columns) {
      if (all(is.na(frame[[column]][rows]))) {
        abort_data(sprintf(
          "series `%s`, column `%s`: every value is missing, so there is nothing to fill from; drop the series or supply its values",
          series, column
        ))
      }
    }
    if (method == "mice") {
      frame[rows, columns] <- impute_jointly(frame[rows, columns, drop = FALSE], seed)
    } else {
      for (column in columns) {
        filled <- impute_series(frame[[column]][rows], method = method, period = period)
        frame[[column]][rows] <- as.numeric(filled)
      }
    }
  }
  frame
}

default_value_columns <- function(frame) {
  fixed <- c("series_id", "timestamp", "label")
  names(frame)[vapply(frame, is.numeric, logical(1)) & !names(frame) %in% fixed &
    !endsWith(names(frame), "_imputed")]
}

impute_jointly <- function(values, seed) {
  if (!anyNA(values)) {
    return(values)
  }
  data <- cbind(values, .row = seq_len(nrow(values)))
  names(data) <- c(paste0("v", seq_along(values)), ".row")
  # mice warns about each variable it drops as a predictor (the "logged
  # events"); those are expected with few columns and are not the user's concern.
  imputed <- tryCatch(
    withCallingHandlers(
      mice::mice(data, m = 1, method = "pmm", printFlag = FALSE, seed = seed),
      warning = function(w) {
        if (grepl("logged events", conditionMessage(w))) invokeRestart("muffleWarning")
      }
    ),
    error = function(error) {
      abort_data(sprintf(
        "mice could not impute these columns (%s); use method \"seasonal\" or \"linear\"",
        conditionMessage(error)
      ), call = NULL)
    }
  )
  completed <- mice::complete(imputed)
  # mice leaves a column untouched when it cannot model it; fall back to linear.
  out <- values
  for (j in seq_along(values)) {
    column <- completed[[j]]
    if (anyNA(column)) column <- as.numeric(impute_series(column, "linear"))
    out[[j]] <- column
  }
  out
}
