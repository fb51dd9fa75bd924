#' Knit the exploratory data analysis report
#'
#' Renders the parameterised R Markdown report shipped in
#' `inst/rmarkdown/eda.Rmd` (overview per series, missing values,
#' distributions, ACF/PACF, STL decomposition, STL detections against labels;
#' ggplot2 figures) into one self-contained HTML file. The file is written
#' atomically: a reader never sees a half-written report.
#'
#' @param data Path of an observations parquet file (the data contract).
#' @param output HTML file to write; by default `reports/eda/<data name>.html`.
#' @param max_series Series shown in the figures (the first ones).
#' @param period Season length in rows for STL, or `NULL` to detect it per series.
#' @return `output`, invisibly.
#' @examples
#' \dontrun{
#' render_eda("data/processed/observations.parquet")
#' }
#' @export
render_eda <- function(data, output = NULL, max_series = 6, period = NULL) {
  check_string(data)
  check_count(max_series, minimum = 1)
  check_count(period, minimum = 2, allow_null = TRUE)
  for (package in c("rmarkdown", "knitr", "ggplot2")) {
    if (!requireNamespace(package, quietly = TRUE)) {
      rlang::abort(sprintf(
        "%s is needed for the EDA report; install it with `apt-get install r-cran-%s`.",
        package, tolower(package)
      ), class = c("anomalia_dependency_error", "anomalia_error"))
    }
  }
  if (!rmarkdown::pandoc_available()) {
    rlang::abort("pandoc is needed for the EDA report; install it with `apt-get install pandoc`.",
      class = c("anomalia_dependency_error", "anomalia_error")
    )
  }
  observations <- read_observations(data)
  output <- output %||% file.path(
    "reports", "eda", paste0(tools::file_path_sans_ext(basename(data)), ".html")
  )
  check_string(output)
  dir.create(dirname(output), recursive = TRUE, showWarnings = FALSE)
  output <- file.path(normalizePath(dirname(output)), basename(output))
  work <- tempfile("eda-")
  dir.create(work)
  on.exit(unlink(work, recursive = TRUE), add = TRUE)
  file.copy(system.file("rmarkdown", "eda.Rmd", package = "anomaliaR"), work)
  environment <- new.env(parent = globalenv())
  environment$observations <- observations
  environment$`%||%` <- rlang::`%||%`
  rendered <- rmarkdown::render(
    file.path(work, "eda.Rmd"),
    params = list(data = data, max_series = max_series, period = period),
    output_dir = work, intermediates_dir = work, envir = environment, quiet = TRUE
  )
  temporary <- tempfile(paste0(".", basename(output), "."), tmpdir = dirname(output))
  on.exit(unlink(temporary), add = TRUE)
  file.copy(rendered, temporary)
  file.rename(temporary, output)
  invisible(output)
}
