# Validation of observation and score tables against the data contract, with
# the messages of `python/anomalia/contract/validate.py`: each names the
# source, the column, the row (data rows counted from 1) and what was expected.

show_cell <- function(x) {
  if (is.character(x)) sprintf("'%s'", x) else format(x)
}

first_row <- function(mask) which(mask)[[1]]

check_columns <- function(frame, table, source, schema) {
  missing <- setdiff(table_columns(schema, table, required_only = TRUE), names(frame))
  if (length(missing) > 0) {
    found <- if (ncol(frame) > 0) paste(names(frame), collapse = ", ") else "none"
    abort_data(sprintf(
      "%s: missing column `%s` required by the %s table; found columns: %s",
      source, missing[[1]], table, found
    ), call = NULL)
  }
}

check_not_empty <- function(frame, source) {
  if (nrow(frame) == 0) {
    abort_data(sprintf("%s: the file has no rows; expected at least one observation", source),
      call = NULL
    )
  }
}

check_series_id <- function(frame, source) {
  ids <- frame$series_id
  if (anyNA(ids)) {
    abort_data(sprintf(
      "%s, column `series_id`, row %d: expected a series identifier, got a missing value",
      source, first_row(is.na(ids))
    ), call = NULL)
  }
  if (!is.character(ids)) {
    abort_data(sprintf(
      "%s, column `series_id`: expected strings, got type %s", source, class(ids)[[1]]
    ), call = NULL)
  }
}

check_timestamp <- function(frame, source) {
  ts <- frame$timestamp
  if (!inherits(ts, "POSIXct")) {
    abort_data(sprintf(
      "%s, column `timestamp`: expected UTC timestamps, got type %s (convert text files with `anomalia ingest`)",
      source, class(ts)[[1]]
    ), call = NULL)
  }
  zone <- attr(ts, "tzone")
  if (is.null(zone) || !nzchar(zone[[1]])) {
    abort_data(sprintf(
      "%s, column `timestamp`: timestamps have no timezone; expected UTC (convert with `anomalia ingest --timezone ZONE`)",
      source
    ), call = NULL)
  }
  if (!toupper(zone[[1]]) %in% "UTC") {
    abort_data(sprintf("%s, column `timestamp`: expected timezone UTC, got %s", source, zone[[1]]),
      call = NULL
    )
  }
  if (anyNA(ts)) {
    abort_data(sprintf(
      "%s, column `timestamp`, row %d: expected a timestamp, got a missing value",
      source, first_row(is.na(ts))
    ), call = NULL)
  }
}

check_order <- function(frame, keys, source) {
  n <- nrow(frame)
  if (n < 2) {
    return(invisible())
  }
  same_group <- rep(TRUE, n - 1)
  for (key in keys) {
    values <- frame[[key]]
    same_group <- same_group & values[-1] == values[-n]
  }
  seconds <- as.numeric(frame$timestamp)
  step <- seconds[-1] - seconds[-n]
  group_text <- function(row) {
    paste(vapply(keys, function(k) sprintf("%s `%s`", k, frame[[k]][[row]]), character(1)),
      collapse = " / "
    )
  }
  stamp <- function(row) format(frame$timestamp[[row]], "%Y-%m-%d %H:%M:%S%z")
  duplicate <- same_group & step == 0
  backwards <- same_group & step < 0
  for (problem in c("duplicate", "unsorted")) {
    mask <- if (problem == "duplicate") duplicate else backwards
    if (any(mask)) {
      row <- first_row(mask) + 1
      detail <- if (problem == "duplicate") {
        sprintf("duplicate timestamp %s (also at row %d)", stamp(row), row - 1)
      } else {
        sprintf("timestamp %s goes backwards (row %d has %s)", stamp(row), row - 1, stamp(row - 1))
      }
      abort_data(sprintf(
        "%s, column `timestamp`, row %d: %s in %s; expected strictly increasing timestamps within each series (sort and de-duplicate, e.g. with `anomalia ingest --sort --deduplicate first`)",
        source, row, detail, group_text(row)
      ), call = NULL)
    }
  }
  groups <- nrow(unique(frame[keys]))
  runs <- 1 + sum(!same_group)
  if (runs != groups) {
    abort_data(sprintf(
      "%s: rows of each series must be contiguous; sort by %s then timestamp",
      source, paste(keys, collapse = ", ")
    ), call = NULL)
  }
}

as_numbers <- function(values, column, source) {
  if (is.numeric(values)) {
    return(as.double(values))
  }
  text <- trimws(as.character(values))
  text[!is.na(text) & text == ""] <- NA
  parsed <- suppressWarnings(as.numeric(text))
  bad <- is.na(parsed) & !is.na(text)
  if (any(bad) || is.logical(values)) {
    row <- if (any(bad)) first_row(bad) else 1
    abort_data(sprintf(
      "%s, column `%s`, row %d: expected a number, got %s",
      source, column, row, show_cell(values[[row]])
    ), call = NULL)
  }
  parsed
}

check_values <- function(frame, columns, source, schema) {
  if (length(columns) == 0) {
    abort_data(sprintf(
      "%s: no value column; expected at least one numeric column besides %s",
      source, paste(table_columns(schema, "observations"), collapse = ", ")
    ), call = NULL)
  }
  for (column in columns) {
    values <- as_numbers(frame[[column]], column, source)
    infinite <- is.infinite(values)
    if (any(infinite)) {
      row <- first_row(infinite)
      abort_data(sprintf(
        "%s, column `%s`, row %d: expected a finite number, got %s",
        source, column, row, format(values[[row]])
      ), call = NULL)
    }
    all_missing <- tapply(is.na(values), factor(frame$series_id, unique(frame$series_id)), all)
    if (any(all_missing)) {
      abort_data(sprintf(
        "%s, column `%s`: series `%s` has no values (all missing); drop the series or supply data",
        source, column, names(all_missing)[all_missing][[1]]
      ), call = NULL)
    }
    frame[[column]] <- values
  }
  frame
}

check_flags <- function(frame, values, source, schema) {
  suffix <- imputed_suffix(schema)
  for (column in names(frame)[endsWith(names(frame), suffix)]) {
    base <- substr(column, 1, nchar(column) - nchar(suffix))
    if (!base %in% values) {
      abort_data(sprintf(
        "%s, column `%s`: imputed flag for unknown value column `%s`", source, column, base
      ), call = NULL)
    }
    if (!is.logical(frame[[column]]) || anyNA(frame[[column]])) {
      abort_data(sprintf(
        "%s, column `%s`: expected true/false flags, got type %s",
        source, column, class(frame[[column]])[[1]]
      ), call = NULL)
    }
  }
}

check_label <- function(frame, source) {
  if (!"label" %in% names(frame)) {
    return(invisible())
  }
  label <- frame$label
  numeric <- suppressWarnings(as.numeric(label))
  bad <- is.na(numeric) | !(numeric %in% c(0, 1))
  if (any(bad)) {
    row <- first_row(bad)
    abort_data(sprintf(
      "%s, column `label`, row %d: expected 0 or 1, got %s", source, row, show_cell(label[[row]])
    ), call = NULL)
  }
}

#' Validate contract tables
#'
#' Check an observations or scores table against the data contract
#' (`schema.json`, shared with the Python package) and return it with
#' canonical types. Errors have class `anomalia_data_error` and name the
#' source, column, row and expectation, with the same wording as the Python
#' side.
#'
#' @param frame A data frame.
#' @param source Name used in error messages, usually the file path.
#' @param schema The parsed schema, from [read_schema()].
#' @return `frame` with value columns as double and `label` as integer.
#' @export
validate_observations <- function(frame, source = "observations", schema = read_schema()) {
  if (!is.data.frame(frame)) {
    abort_argument(sprintf("`frame` must be a data frame, not %s.", class(frame)[[1]]))
  }
  check_not_empty(frame, source)
  check_columns(frame, "observations", source, schema)
  check_series_id(frame, source)
  check_timestamp(frame, source)
  values <- observation_value_columns(names(frame), schema)
  frame <- check_values(frame, values, source, schema)
  check_flags(frame, values, source, schema)
  check_label(frame, source)
  check_order(frame, "series_id", source)
  if ("label" %in% names(frame)) {
    frame$label <- as.integer(frame$label)
  }
  rownames(frame) <- NULL
  frame
}

#' @rdname validate_observations
#' @export
validate_scores <- function(frame, source = "scores", schema = read_schema()) {
  if (!is.data.frame(frame)) {
    abort_argument(sprintf("`frame` must be a data frame, not %s.", class(frame)[[1]]))
  }
  check_not_empty(frame, source)
  check_columns(frame, "scores", source, schema)
  extra <- setdiff(names(frame), table_columns(schema, "scores"))
  if (length(extra) > 0) {
    abort_data(sprintf("%s: unexpected column `%s` in a scores table", source, extra[[1]]),
      call = NULL
    )
  }
  check_series_id(frame, source)
  check_timestamp(frame, source)
  for (column in c("score", "threshold")) {
    values <- suppressWarnings(as.numeric(frame[[column]]))
    bad <- if (column == "score") !is.finite(values) else is.na(values)
    if (any(bad)) {
      row <- first_row(bad)
      abort_data(sprintf(
        "%s, column `%s`, row %d: expected a finite number, got %s",
        source, column, row, format(frame[[column]][[row]])
      ), call = NULL)
    }
    frame[[column]] <- values
  }
  if (!is.logical(frame$is_anomaly) || anyNA(frame$is_anomaly)) {
    abort_data(sprintf(
      "%s, column `is_anomaly`: expected true/false, got type %s",
      source, class(frame$is_anomaly)[[1]]
    ), call = NULL)
  }
  check_status(frame, source, schema)
  check_order(frame, c("series_id", "detector"), source)
  rownames(frame) <- NULL
  frame
}

check_status <- function(frame, source, schema) {
  if (!"status" %in% names(frame)) {
    return(invisible(NULL))
  }
  columns <- schema$tables$scores$columns
  allowed <- unlist(columns[[which(vapply(columns, `[[`, "", "name") == "status")]]$allowed)
  bad <- is.na(frame$status) | !frame$status %in% allowed
  if (any(bad)) {
    row <- first_row(bad)
    abort_data(sprintf(
      "%s, column `status`, row %d: expected one of %s, got %s",
      source, row, paste(allowed, collapse = ", "), show_cell(frame$status[[row]])
    ), call = NULL)
  }
  invisible(NULL)
}
