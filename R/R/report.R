#' Knit the report of a scores file
#'
#' Renders the R Markdown report shipped in `inst/rmarkdown/report.Rmd`:
#' flags per series, the metrics of [evaluate_scores()] per series when the
#' observations carry labels, each series with its flags and labelled
#' windows ([plot_series()]), its scores with the threshold
#' ([plot_scores()]), and the pooled ROC and precision-recall curves, into
#' one self-contained HTML file, written atomically.
#'
#' @param scores Path of a scores parquet file (`anomalia detect --out`).
#' @param observations Path of the observations parquet file the scores came
#'   from (values and labels), or `NULL`.
#' @param output HTML file to write; by default `reports/r/<scores name>.html`.
#' @param max_series Series drawn (the first ones).
#' @return `output`, invisibly.
#' @examples
#' python <- requireNamespace("reticulate", quietly = TRUE) &&
#'   nzchar(Sys.getenv("RETICULATE_PYTHON")) && reticulate::py_module_available("pyarrow")
#' if (python && requireNamespace("rmarkdown", quietly = TRUE) && rmarkdown::pandoc_available()) {
#'   time <- as.POSIXct("2024-01-01", tz = "UTC") + 3600 * (0:99)
#'   value <- sin(2 * pi * (0:99) / 24)
#'   value[80] <- 5
#'   observations <- data.frame(series_id = "cpu", timestamp = time, value = value,
#'     label = as.integer(seq_along(value) == 81))
#'   scores <- data.frame(series_id = "cpu", timestamp = time, detector = "demo",
#'     score = abs(value) , threshold = 2, is_anomaly = abs(value) > 2)
#'   folder <- tempfile("report-")
#'   dir.create(folder)
#'   write_observations(observations, file.path(folder, "observations.parquet"))
#'   write_scores(scores, file.path(folder, "scores.parquet"))
#'   render_report(file.path(folder, "scores.parquet"), file.path(folder, "observations.parquet"),
#'     output = file.path(folder, "report.html"))
#' }
#' @export
render_report <- function(scores, observations = NULL, output = NULL, max_series = 6) {
  check_string(scores)
  if (!is.null(observations)) check_string(observations)
  check_count(max_series, minimum = 1)
  output <- output %||% file.path(
    "reports", "r", paste0(tools::file_path_sans_ext(basename(scores)), ".html")
  )
  check_string(output)
  require_report_tools("the report")
  data <- list(
    scores = read_scores(scores),
    observations = if (is.null(observations)) NULL else read_observations(observations)
  )
  knit_template("report.Rmd", data,
    params = list(scores = scores, observations = observations, max_series = max_series),
    output = output
  )
}

require_report_tools <- function(what, call = rlang::caller_env()) {
  for (package in c("rmarkdown", "knitr", "ggplot2")) {
    require_package(package, what, call = call)
  }
  if (!rmarkdown::pandoc_available()) {
    rlang::abort(sprintf("pandoc is needed for %s; install it with `apt-get install pandoc`.", what),
      class = c("anomalia_dependency_error", "anomalia_error"), call = call
    )
  }
}

# Knits inst/rmarkdown/<template> with `data` in its environment, in a
# temporary folder, and moves the HTML onto `output` atomically.
knit_template <- function(template, data, params, output) {
  dir.create(dirname(output), recursive = TRUE, showWarnings = FALSE)
  output <- file.path(normalizePath(dirname(output)), basename(output))
  work <- tempfile("knit-")
  dir.create(work)
  on.exit(unlink(work, recursive = TRUE), add = TRUE)
  file.copy(system.file("rmarkdown", template, package = "anomaliaR"), work)
  environment <- new.env(parent = globalenv())
  for (name in names(data)) assign(name, data[[name]], envir = environment)
  environment$`%||%` <- rlang::`%||%`
  rendered <- rmarkdown::render(file.path(work, template),
    params = params, output_dir = work, intermediates_dir = work, envir = environment, quiet = TRUE
  )
  temporary <- tempfile(paste0(".", basename(output), "."), tmpdir = dirname(output))
  on.exit(unlink(temporary), add = TRUE)
  file.copy(rendered, temporary)
  file.rename(temporary, output)
  invisible(output)
}
