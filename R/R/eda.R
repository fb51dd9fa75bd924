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
#' python <- requireNamespace("reticulate", quietly = TRUE) &&
#'   nzchar(Sys.getenv("RETICULATE_PYTHON")) && reticulate::py_module_available("pyarrow")
#' if (python && requireNamespace("rmarkdown", quietly = TRUE) && rmarkdown::pandoc_available()) {
#'   time <- as.POSIXct("2024-01-01", tz = "UTC") + 3600 * (0:167)
#'   observations <- data.frame(series_id = "cpu", timestamp = time,
#'     value = sin(2 * pi * (0:167) / 24) + stats::rnorm(168, sd = 0.1))
#'   data <- tempfile(fileext = ".parquet")
#'   write_observations(observations, data)
#'   render_eda(data, output = tempfile(fileext = ".html"))
#' }
#' @export
render_eda <- function(data, output = NULL, max_series = 6, period = NULL) {
  check_string(data)
  check_count(max_series, minimum = 1)
  check_count(period, minimum = 2, allow_null = TRUE)
  require_report_tools("the EDA report")
  observations <- read_observations(data)
  output <- output %||% file.path(
    "reports", "eda", paste0(tools::file_path_sans_ext(basename(data)), ".html")
  )
  check_string(output)
  knit_template("eda.Rmd", list(observations = observations),
    params = list(data = data, max_series = max_series, period = period), output = output
  )
}
