# Parquet reading and writing of contract tables through pyarrow (reticulate).
# R's arrow package is not available on Debian 12, so the project's Python
# (RETICULATE_PYTHON=.venv/bin/python) does the file format; the columns are
# converted one by one so that timestamps (UTC, nanoseconds) and missing
# values (null -> NA, NA -> null) survive exactly.

# reticulate 1.28 cannot convert numpy 2 arrays, so columns cross as Python
# lists: nulls become NULL, then NA. Timestamps cross as integer microseconds
# since the epoch (exact in a double), the precision a POSIXct holds anyway.
python_cells <- function(column) {
  cells <- reticulate::py_to_r(column$to_pylist())
  if (!is.list(cells)) cells <- as.list(cells)
  cells
}

cells_to_vector <- function(cells, missing, fill) {
  cells[vapply(cells, is.null, logical(1))] <- list(missing)
  vapply(cells, function(cell) cell, fill)
}

arrow_to_r <- function(column, pa, pc) {
  type <- column$type
  is_type <- function(test) reticulate::py_to_r(pa$types[[test]](type))
  if (is_type("is_timestamp")) {
    zone <- reticulate::py_to_r(type$tz)
    micros <- pc$cast(pc$cast(column, pa$timestamp("us", tz = type$tz), safe = FALSE), pa$int64())
    micros <- pc$cast(micros, pa$float64())
    seconds <- cells_to_vector(python_cells(micros), NA_real_, numeric(1)) / 1e6
    return(as.POSIXct(seconds, origin = "1970-01-01", tz = if (is.null(zone)) "" else zone))
  }
  if (is_type("is_integer")) {
    return(cells_to_vector(python_cells(column), NA_integer_, integer(1)))
  }
  if (is_type("is_floating")) {
    values <- cells_to_vector(python_cells(pc$cast(column, pa$float64())), NA_real_, numeric(1))
    values[is.nan(values)] <- NA_real_
    return(values)
  }
  if (is_type("is_boolean")) {
    return(cells_to_vector(python_cells(column), NA, logical(1)))
  }
  cells_to_vector(lapply(python_cells(column), function(cell) {
    if (is.null(cell)) NULL else as.character(cell)
  }), NA_character_, character(1))
}

r_to_arrow <- function(values, pa) {
  as_cells <- function(x) {
    cells <- as.list(x)
    cells[is.na(x)] <- list(NULL)
    cells
  }
  if (inherits(values, "POSIXct")) {
    zone <- attr(values, "tzone")
    zone <- if (is.null(zone) || !nzchar(zone[[1]])) NULL else zone[[1]]
    micros <- pa$array(as_cells(round(as.numeric(values) * 1e6)), type = pa$float64())$cast(pa$int64())
    return(micros$cast(pa$timestamp("us", tz = zone))$cast(pa$timestamp("ns", tz = zone)))
  }
  if (is.logical(values)) {
    return(pa$array(as_cells(values), type = pa$bool_()))
  }
  if (is.integer(values)) {
    return(pa$array(as_cells(values), type = pa$int64()))
  }
  if (is.numeric(values)) {
    return(pa$array(as_cells(as.double(values)), type = pa$float64()))
  }
  pa$array(as_cells(as.character(values)), type = pa$string())
}

read_parquet_frame <- function(path) {
  require_python("read parquet files")
  if (!is.character(path) || length(path) != 1 || !file.exists(path)) {
    abort_data(sprintf("%s: no such file", describe(path)), call = NULL)
  }
  pa <- reticulate::import("pyarrow", convert = FALSE)
  pc <- reticulate::import("pyarrow.compute", convert = FALSE)
  pq <- reticulate::import("pyarrow.parquet", convert = FALSE)
  table <- tryCatch(pq$read_table(path), error = function(error) {
    abort_data(sprintf("%s: not a readable parquet file (%s)", path, conditionMessage(error)),
      call = NULL
    )
  })
  names <- as.character(reticulate::py_to_r(table$column_names))
  columns <- lapply(names, function(name) arrow_to_r(table$column(name), pa, pc))
  names(columns) <- names
  frame <- as.data.frame(columns, stringsAsFactors = FALSE, optional = TRUE)
  if (length(columns) > 0 && nrow(frame) == 0) {
    frame <- as.data.frame(lapply(columns, function(x) x[0]), optional = TRUE)
  }
  frame
}

write_parquet_frame <- function(frame, path, types = list()) {
  require_python("write parquet files")
  pa <- reticulate::import("pyarrow", convert = FALSE)
  pq <- reticulate::import("pyarrow.parquet", convert = FALSE)
  arrays <- lapply(names(frame), function(name) {
    array <- r_to_arrow(frame[[name]], pa)
    if (!is.null(types[[name]])) array <- array$cast(types[[name]](pa))
    array
  })
  table <- pa$Table$from_arrays(arrays, names = as.list(names(frame)))
  directory <- dirname(path)
  dir.create(directory, recursive = TRUE, showWarnings = FALSE)
  # Atomic: a temporary file in the same folder, then a rename.
  temporary <- tempfile(paste0(".", basename(path), "."), tmpdir = directory)
  on.exit(unlink(temporary), add = TRUE)
  pq$write_table(table, temporary)
  if (!file.rename(temporary, path)) {
    abort_data(sprintf("%s: could not be written (rename from %s failed)", path, temporary))
  }
  invisible(path)
}

#' Read and write contract parquet files
#'
#' Observations and scores tables are read and written through pyarrow (via
#' reticulate, with `RETICULATE_PYTHON` pointing at the project's
#' `.venv/bin/python`) and validated against the schema shared with Python.
#' Timestamps are `POSIXct` in UTC; missing values are `NA`. Writes are
#' atomic.
#'
#' @param path Path of the parquet file.
#' @param frame A data frame that follows the contract.
#' @return `read_*()`: the validated data frame. `write_*()`: `path`, invisibly.
#' @examples
#' python <- requireNamespace("reticulate", quietly = TRUE) &&
#'   nzchar(Sys.getenv("RETICULATE_PYTHON")) && reticulate::py_module_available("pyarrow")
#' if (python) {
#'   time <- as.POSIXct("2024-01-01", tz = "UTC") + 3600 * (0:5)
#'   observations <- data.frame(series_id = "cpu", timestamp = time, value = c(1, 2, NA, 4, 5, 6))
#'   path <- tempfile(fileext = ".parquet")
#'   write_observations(observations, path)
#'   read_observations(path)
#' }
#' @export
read_observations <- function(path) {
  check_string(path)
  validate_observations(read_parquet_frame(path), source = path)
}

#' @rdname read_observations
#' @export
write_observations <- function(frame, path) {
  check_string(path)
  frame <- validate_observations(frame, source = path)
  values <- observation_value_columns(names(frame), read_schema())
  types <- list(label = function(pa) pa$int8())
  for (value in values) types[[value]] <- function(pa) pa$float64()
  write_parquet_frame(frame, path, types)
}

#' @rdname read_observations
#' @export
read_scores <- function(path) {
  check_string(path)
  validate_scores(read_parquet_frame(path), source = path)
}

#' @rdname read_observations
#' @export
write_scores <- function(frame, path) {
  check_string(path)
  write_parquet_frame(validate_scores(frame, source = path), path)
}
