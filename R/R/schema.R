#' Locate and read the data contract's schema
#'
#' The R and Python halves validate against one file,
#' `python/anomalia/contract/schema.json`. Its path comes from the option
#' `anomaliaR.schema`, else the environment variable `ANOMALIA_SCHEMA`, else
#' the Python package `anomalia` (through reticulate, using
#' `RETICULATE_PYTHON`).
#'
#' @return `schema_path()`: the path; `read_schema()`: the parsed schema (a list).
#' @export
schema_path <- function() {
  path <- getOption("anomaliaR.schema", Sys.getenv("ANOMALIA_SCHEMA", ""))
  if (!nzchar(path)) {
    require_python("locate the data contract's schema")
    schema <- reticulate::import("anomalia.contract.schema", convert = FALSE)
    path <- reticulate::py_str(schema$SCHEMA_PATH)
  }
  if (!file.exists(path)) {
    abort_argument(sprintf("The schema file must exist, not be missing at %s.", path))
  }
  path
}

#' @rdname schema_path
#' @export
read_schema <- function() {
  jsonlite::read_json(schema_path(), simplifyVector = FALSE)
}

table_columns <- function(schema, table, required_only = FALSE) {
  columns <- schema$tables[[table]]$columns
  keep <- vapply(columns, function(column) !required_only || isTRUE(column$required), logical(1))
  vapply(columns[keep], function(column) column$name, character(1))
}

imputed_suffix <- function(schema) {
  schema$tables$observations$imputed_flags$suffix
}

# Value columns of an observations table: all but the fixed and flag columns.
observation_value_columns <- function(columns, schema) {
  suffix <- imputed_suffix(schema)
  fixed <- table_columns(schema, "observations")
  columns[!(columns %in% fixed) & !endsWith(columns, suffix)]
}

require_python <- function(what, call = rlang::caller_env()) {
  if (!requireNamespace("reticulate", quietly = TRUE)) {
    rlang::abort(sprintf(
      "reticulate is needed to %s; install it with `apt-get install r-cran-reticulate`.", what
    ), class = c("anomalia_dependency_error", "anomalia_error"), call = call)
  }
  if (!reticulate::py_module_available("pyarrow") ||
    !reticulate::py_module_available("anomalia")) {
    rlang::abort(sprintf(
      paste0(
        "Python with pyarrow and anomalia is needed to %s; set RETICULATE_PYTHON to ",
        "the project's .venv/bin/python (run `make install` first). Python in use: %s."
      ),
      what, reticulate::py_config()$python
    ), class = c("anomalia_dependency_error", "anomalia_error"), call = call)
  }
}
