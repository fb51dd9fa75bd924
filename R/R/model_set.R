#' Read a model set trained by `anomalia train` and score with it
#'
#' `anomalia train --detector sarima` (or `stl`) writes a model set folder:
#' `manifest.json` (detector, parameters, value columns, fill method, one
#' entry per series) and a `series-XXXX/` folder per series holding
#' `config.json` and the fitted R detector as `model.rds`. `read_model_set()`
#' reads the manifest and every `model.rds` (through [load_detector()], which
#' accepts only anomaliaR detectors); nothing else in the folder is read.
#' `score_model_set()` scores new values of one series with its fitted
#' detector, without refitting: the scores `anomalia detect` gives.
#'
#' @param path Model set folder (holding `manifest.json`).
#' @return `read_model_set()`: a list of class `anomalia_model_set` with
#'   `name` (the folder name), `detector`, `params`, `value_columns`,
#'   `fill_method` and `series` (fitted detectors by series id).
#' @examples
#' folder <- file.path(tempdir(), "stl-model-set")
#' x <- sin(2 * pi * seq_len(120) / 6) + stats::rnorm(120, sd = 0.1)
#' detector <- fit(stl_detector(period = 6), x)
#' dir.create(file.path(folder, "series-0000"), recursive = TRUE, showWarnings = FALSE)
#' save_detector(detector, file.path(folder, "series-0000", "model.rds"))
#' manifest <- list(
#'   detector = "stl", params = list(period = 6), value_columns = list("value"),
#'   fill_method = "linear", series = list(list(series_id = "a", folder = "series-0000"))
#' )
#' jsonlite::write_json(manifest, file.path(folder, "manifest.json"), auto_unbox = TRUE)
#' model_set <- read_model_set(folder)
#' model_set
#' head(score_model_set(model_set, "a", x))
#' @export
read_model_set <- function(path) {
  check_string(path)
  manifest_file <- file.path(path, "manifest.json")
  if (!file.exists(manifest_file)) {
    abort_data(sprintf("%s: not a trained model set (no manifest.json).", path))
  }
  manifest <- tryCatch(jsonlite::fromJSON(manifest_file, simplifyVector = FALSE),
    error = function(error) {
      abort_data(sprintf("%s: not valid JSON (%s).", manifest_file, conditionMessage(error)),
        call = NULL
      )
    }
  )
  for (field in c("detector", "series", "value_columns")) {
    if (is.null(manifest[[field]])) {
      abort_data(sprintf("%s: field `%s` is missing.", manifest_file, field))
    }
  }
  if (!manifest$detector %in% c("sarima", "stl")) {
    abort_data(sprintf(
      "%s: detector `%s` is not an R detector; the R service serves sarima and stl model sets.",
      manifest_file, manifest$detector
    ))
  }
  series <- list()
  for (entry in manifest$series) {
    folder <- entry$folder
    if (!is.character(folder) || length(folder) != 1 || grepl("[/\\\\]|^\\.", folder)) {
      abort_data(sprintf("%s: series `%s` has a bad `folder` entry.", manifest_file, entry$series_id))
    }
    detector <- load_detector(file.path(path, folder, "model.rds"))
    expected <- paste0("anomalia_", manifest$detector)
    if (!inherits(detector, expected)) {
      abort_data(sprintf(
        "%s: holds a %s, not the %s detector the manifest names.",
        file.path(path, folder, "model.rds"), class(detector)[[1]], manifest$detector
      ))
    }
    series[[as.character(entry$series_id)]] <- detector
  }
  structure(list(
    name = basename(normalizePath(path)), detector = manifest$detector,
    params = manifest$params %||% list(), value_columns = unlist(manifest$value_columns),
    fill_method = manifest$fill_method %||% "linear", series = series
  ), class = "anomalia_model_set")
}

#' @rdname read_model_set
#' @param model_set A model set from `read_model_set()`.
#' @param series_id The series to score (one of `names(model_set$series)`).
#' @param x Values ordered in time, on the training grid: a vector (one value
#'   column) or a matrix or data frame with the model set's value columns.
#'   Missing values are filled as in training when its fill method is
#'   `"linear"`.
#' @return `score_model_set()`: one score per row, attribute `threshold` (the
#'   detector's `1 - contamination` quantile of its training scores).
#' @export
score_model_set <- function(model_set, series_id, x) {
  if (!inherits(model_set, "anomalia_model_set")) {
    abort_argument(sprintf("`model_set` must come from read_model_set(), not %s.", class(model_set)[[1]]))
  }
  check_string(series_id)
  detector <- model_set$series[[series_id]]
  if (is.null(detector)) {
    abort_data(sprintf(
      "series `%s` has no trained `%s` model; trained series: %s.", series_id, model_set$detector,
      paste(utils::head(names(model_set$series), 10), collapse = ", ")
    ))
  }
  x <- fill_like_training(x, model_set$fill_method)
  scores <- score(detector, x)
  attributes(scores) <- NULL
  structure(scores, threshold = detector$threshold)
}

fill_like_training <- function(x, fill_method, call = rlang::caller_env()) {
  if (is.data.frame(x)) x <- as.matrix(x)
  if (!is.numeric(x) && !(is.logical(x) && all(is.na(x)))) {
    return(x)
  }
  if (!anyNA(x)) {
    return(x)
  }
  if (!identical(fill_method, "linear")) {
    abort_data(sprintf(
      "`x` has missing values, which the model set fills with `%s`; fill them before scoring.",
      fill_method
    ), call = call)
  }
  if (is.null(dim(x))) {
    return(as.numeric(impute_series(as.numeric(x), "linear")))
  }
  apply(x, 2, function(column) as.numeric(impute_series(column, "linear")))
}

#' @export
print.anomalia_model_set <- function(x, ...) {
  cat(sprintf(
    "<anomalia_model_set `%s`: %s, %d series, columns %s>\n", x$name, x$detector,
    length(x$series), paste(x$value_columns, collapse = ", ")
  ))
  invisible(x)
}
