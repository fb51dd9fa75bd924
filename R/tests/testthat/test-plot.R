demo_tables <- function() {
  time <- as.POSIXct("2024-01-01", tz = "UTC") + 3600 * (0:199)
  value <- sin(2 * pi * (0:199) / 24)
  value[150] <- 4
  observations <- data.frame(
    series_id = "cpu", timestamp = time, value = value,
    label = as.integer(seq_along(value) %in% 149:153)
  )
  score <- abs(value - sin(2 * pi * (0:199) / 24)) * 10 + 0.1
  scores <- data.frame(
    series_id = "cpu", timestamp = time, detector = "demo", score = score,
    threshold = 2, is_anomaly = score > 2
  )
  list(observations = observations, scores = scores)
}

test_that("plot_series() shades the labelled window and marks the flagged point", {
  tables <- demo_tables()
  figure <- plot_series(tables$scores, tables$observations)
  built <- ggplot2::ggplot_build(figure)
  rectangles <- built$data[[1]]
  expect_equal(nrow(rectangles), 1)
  expect_equal(rectangles$xmin, as.numeric(tables$observations$timestamp[149]))
  points <- built$data[[3]]
  expect_equal(points$x, as.numeric(tables$observations$timestamp[150]))
})

test_that("plot_scores() draws the score and the threshold", {
  built <- ggplot2::ggplot_build(plot_scores(demo_tables()$scores))
  expect_equal(length(built$data), 2)
  expect_true(all(built$data[[2]]$y == 2))
})

test_that("plot_roc() and plot_pr() show the AUCs of evaluate_scores()", {
  tables <- demo_tables()
  labels <- tables$observations$label
  metrics <- evaluate_scores(labels, tables$scores$score, tables$scores$is_anomaly)
  expect_match(plot_roc(labels, tables$scores$score)$labels$title, sprintf("%.3f", metrics[["roc_auc"]]),
    fixed = TRUE
  )
  expect_match(plot_pr(labels, tables$scores$score)$labels$title, sprintf("%.3f", metrics[["pr_auc"]]),
    fixed = TRUE
  )
})

test_that("an unknown series or column is named", {
  tables <- demo_tables()
  expect_error(plot_scores(tables$scores, series = "disk"), "no series `disk`; it has cpu",
    class = "anomalia_data_error"
  )
  expect_error(plot_series(tables$scores, tables$observations, column = "load"),
    "value column `load`", class = "anomalia_data_error"
  )
})

test_that("render_report() writes one self-contained HTML file with the metrics", {
  skip_without_python()
  skip_if_not(rmarkdown::pandoc_available(), "pandoc is not installed")
  tables <- demo_tables()
  folder <- tempfile("report-")
  dir.create(folder)
  write_observations(tables$observations, file.path(folder, "observations.parquet"))
  write_scores(tables$scores, file.path(folder, "scores.parquet"))
  output <- render_report(file.path(folder, "scores.parquet"), file.path(folder, "observations.parquet"),
    output = file.path(folder, "out", "report.html")
  )
  html <- paste(readLines(output, warn = FALSE), collapse = "\n")
  expect_match(html, "Evaluation", fixed = TRUE)
  expect_match(html, "nab_standard", fixed = TRUE)
  expect_gte(lengths(regmatches(html, gregexpr("data:image/png;base64", html, fixed = TRUE))), 4)
  expect_identical(list.files(file.path(folder, "out"), all.files = TRUE, no.. = TRUE), "report.html")
})
