train <- noisy_sine(360, period = 24, seed = 1, spikes = 150)
test <- noisy_sine(360, period = 24, seed = 2, spikes = 250)

test_that("the seasonal ARIMA detector finds the spike and detects the period", {
  detector <- fit(sarima_detector(), train)
  expect_equal(detector$models[[1]]$period, 24L)
  expect_equal(detector$models[[1]]$kind, "seasonal")
  scores <- score(detector, test)
  expect_length(scores, length(test))
  expect_equal(which.max(scores), 250)
  expect_true(predict(detector, test)[[250]])
  expect_gt(detector$threshold, 0)
})

test_that("a long period is modelled on the seasonal difference", {
  long_train <- noisy_sine(400, period = 50, seed = 3)
  detector <- fit(sarima_detector(max_period = 24), long_train)
  expect_equal(detector$models[[1]]$kind, "differenced")
  long_test <- noisy_sine(400, period = 50, seed = 4, spikes = 300)
  scores <- score(detector, long_test)
  expect_true(all(scores[1:50] == 0))
  expect_true(which.max(scores) %in% c(300, 350))
})

test_that("the score at t depends only on rows up to t", {
  detector <- fit(sarima_detector(period = 24), train)
  full <- score(detector, test)
  expect_equal(score(detector, test[1:200]), full[1:200])
})

test_that("a matrix is scored by its worst column; a constant column scores 0", {
  x <- cbind(train, 5)
  detector <- fit(sarima_detector(period = 24), x)
  expect_equal(detector$models[[2]]$kind, "naive")
  y <- cbind(test, 5)
  expect_equal(score(detector, y), score(fit(sarima_detector(period = 24), train), test))
})

test_that("save and load give identical scores", {
  detector <- fit(sarima_detector(period = 24), train)
  path <- tempfile(fileext = ".rds")
  save_detector(detector, path)
  expect_equal(score(load_detector(path), test), score(detector, test))
  expect_output(print(detector), "period 24")
})

test_that("the constructor and fit refuse bad arguments", {
  expect_error(sarima_detector(period = 1.5), "`period` must be a whole number",
    class = "anomalia_argument_error"
  )
  expect_error(sarima_detector(contamination = 0.7), "`contamination` must be a number in",
    class = "anomalia_argument_error"
  )
  expect_error(sarima_detector(stepwise = NA), "`stepwise` must be TRUE or FALSE",
    class = "anomalia_argument_error"
  )
  expect_error(fit(sarima_detector(period = 24), train[1:40]), "at least 58 rows",
    class = "anomalia_data_error"
  )
  broken <- train
  broken[7] <- NA
  expect_error(fit(sarima_detector(), broken), "missing value at row 7",
    class = "anomalia_data_error"
  )
  expect_error(score(sarima_detector(), test), "call fit first",
    class = "anomalia_not_fitted_error"
  )
  expect_error(score(fit(sarima_detector(period = 24), train), cbind(test, test)),
    "1 value column\\(s\\) as in fit, not 2",
    class = "anomalia_data_error"
  )
  expect_error(fit("model", train), "must be an anomaliaR detector",
    class = "anomalia_argument_error"
  )
})
