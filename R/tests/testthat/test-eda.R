test_that("the EDA report is knitted into one self-contained HTML file", {
  skip_without_python()
  n <- 240
  frame <- data.frame(
    series_id = rep(c("cpu", "disk"), each = n),
    timestamp = as.POSIXct("2024-01-01", tz = "UTC") + rep(seq_len(n) - 1, 2) * 3600,
    value = c(noisy_sine(n, 24, seed = 1, spikes = 100), noisy_sine(n, 24, seed = 2)),
    label = 0L
  )
  frame$label[100] <- 1L
  frame$value[c(50, 51, 300)] <- NA
  data <- tempfile(fileext = ".parquet")
  write_observations(frame, data)
  output <- file.path(tempfile("reports-"), "eda.html")
  expect_equal(render_eda(data, output = output), output)
  html <- paste(readLines(output, warn = FALSE), collapse = "\n")
  for (section in c(
    "Overview per series", "Missing values", "Distributions", "Autocorrelation",
    "STL decomposition", "Detected anomalies and labels"
  )) {
    expect_match(html, section, fixed = TRUE)
  }
  # Self-contained: figures are embedded, nothing is left beside the report.
  expect_gte(lengths(regmatches(html, gregexpr("data:image/png;base64", html))), 8)
  expect_equal(list.files(dirname(output), all.files = TRUE, no.. = TRUE), "eda.html")
})

test_that("render_eda refuses bad arguments and files", {
  skip_without_python()
  expect_error(render_eda(tempfile(fileext = ".parquet")), "no such file",
    class = "anomalia_data_error"
  )
  expect_error(render_eda("x.parquet", max_series = 0), "`max_series` must be a whole number >= 1",
    class = "anomalia_argument_error"
  )
  expect_error(render_eda(c("a", "b")), "`data` must be a non-empty string",
    class = "anomalia_argument_error"
  )
})
