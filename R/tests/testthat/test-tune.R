spikes <- c(120, 250, 330)
x <- noisy_sine(400, period = 24, seed = 1, spikes = spikes)
labels <- as.integer(seq_along(x) %in% spikes)

test_that("STL tuning keeps the candidate with the best time-slice F1", {
  grid <- data.frame(period = 24, seasonal_window = 0, contamination = c(0.01, 0.2))
  tuned <- tune_detector(x, labels, "stl", grid = grid, initial_window = 200, horizon = 100)
  expect_s3_class(tuned, "anomalia_tuning")
  # Flagging 20% of the points cannot beat flagging 1% when 1% are spikes.
  expect_equal(tuned$params, list(period = 24L, seasonal_window = "periodic", contamination = 0.01))
  expect_equal(nrow(tuned$results), 2)
  expect_gt(tuned$f1, tuned$results$F1[tuned$results$contamination == 0.2])
  path <- tempfile(fileext = ".json")
  write_params(tuned, path)
  expect_equal(
    jsonlite::read_json(path),
    list(period = 24L, seasonal_window = "periodic", contamination = 0.01)
  )
  expect_output(print(tuned), "best: period = 24")
})

test_that("SARIMA tuning returns parameters sarima_detector() accepts", {
  grid <- data.frame(period = 24, max_order = 1, contamination = c(0.01, 0.2))
  tuned <- tune_detector(x, labels, "sarima", grid = grid, initial_window = 200, horizon = 100)
  expect_equal(tuned$params$contamination, 0.01)
  expect_s3_class(do.call(sarima_detector, tuned$params), "anomalia_sarima")
})

test_that("the supervised forest is tuned on causal features", {
  tuned <- tune_supervised(x, labels, period = 24, min_samples_leaf = c(1, 50),
    n_estimators = 20, initial_window = 200, horizon = 100
  )
  expect_equal(names(tuned$params), c("min_samples_leaf", "n_estimators"))
  expect_true(tuned$params$min_samples_leaf %in% c(1L, 50L))
  expect_equal(tuned$params$n_estimators, 20L)
  features <- series_features(x, period = 24)
  expect_equal(nrow(features), length(x))
  # Causal: a feature row never changes when later values change.
  later <- x
  later[300:400] <- 0
  expect_equal(series_features(later, 24)[1:299, ], features[1:299, ])
})

test_that("tuning refuses bad input", {
  expect_error(tune_detector(x, labels[-1], "stl"), "`labels` must be 400 values of 0 or 1",
    class = "anomalia_argument_error"
  )
  expect_error(tune_detector(x[1:100], labels[1:100], "stl"), "at least 250 rows",
    class = "anomalia_data_error"
  )
  expect_error(tune_detector(x, labels, "lstm"), "must be one of")
  expect_error(tune_detector(x, labels, "stl", grid = list()), "`grid` must be a data frame",
    class = "anomalia_argument_error"
  )
  expect_error(write_params(list(), tempfile()), "`tuning` must be the result of tune_detector()",
    class = "anomalia_argument_error"
  )
})

test_that("tune_supervised() works with its defaults when windows hold no anomaly", {
  # Most 200-row windows of this series have no labelled anomaly: a forest
  # cannot be fitted on one class, so such windows predict that class.
  long <- noisy_sine(700, period = 24, seed = 3, spikes = c(450, 620))
  long_labels <- as.integer(seq_along(long) %in% c(450, 620))
  tuned <- tune_supervised(long, long_labels, n_estimators = 10)
  expect_s3_class(tuned, "anomalia_tuning")
  expect_true(tuned$params$min_samples_leaf %in% c(1L, 5L, 20L))
})

test_that("the default window holds two seasons", {
  expect_equal(anomaliaR:::default_window(288L), 586L)
  expect_equal(anomaliaR:::default_window(1L), 200L)
})

test_that("tuning works with its defaults on a NAB series", {
  nab <- file.path(repo_root(), "..", "shared", "datasets", "nab")
  skip_if_not(dir.exists(nab), "NAB is not at ../shared/datasets/nab")
  name <- "realKnownCause/ec2_request_latency_system_failure.csv"
  series <- utils::read.csv(file.path(nab, "data", name))
  stamps <- as.POSIXct(series$timestamp, tz = "UTC")
  windows <- jsonlite::read_json(file.path(nab, "labels", "combined_windows.json"))[[name]]
  labels <- integer(nrow(series))
  for (window in windows) {
    labels[stamps >= as.POSIXct(window[[1]], tz = "UTC") & stamps <= as.POSIXct(window[[2]], tz = "UTC")] <- 1L
  }
  expect_gt(sum(labels), 0)
  forest <- tune_supervised(series$value, labels)
  expect_true(forest$params$min_samples_leaf %in% c(1L, 5L, 20L))
  expect_gt(forest$f1, 0)
  stl <- tune_detector(series$value, labels, "stl")
  expect_s3_class(do.call(stl_detector, stl$params), "anomalia_stl")
})
