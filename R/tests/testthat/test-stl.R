train <- noisy_sine(360, period = 24, seed = 1, spikes = 150)
test <- noisy_sine(360, period = 24, seed = 2, spikes = 250)

test_that("the STL detector finds the spike; tsoutliers flags it too", {
  detector <- fit(stl_detector(), train)
  expect_equal(detector$periods, 24L)
  scores <- score(detector, test)
  expect_equal(which.max(scores), 250)
  expect_true(250 %in% attr(scores, "outliers"))
  expect_true(predict(detector, test)[[250]])
})

test_that("save and load give identical scores", {
  detector <- fit(stl_detector(period = 24, seasonal_window = 13), train)
  path <- tempfile(fileext = ".rds")
  save_detector(detector, path)
  expect_equal(score(load_detector(path), test), score(detector, test))
  expect_output(print(detector), "periods: 24")
})

test_that("bad arguments and files are refused", {
  expect_error(stl_detector(seasonal_window = 4), "odd number >= 7, not 4",
    class = "anomalia_argument_error"
  )
  expect_error(stl_detector(robust = "yes"), "`robust` must be TRUE or FALSE",
    class = "anomalia_argument_error"
  )
  expect_error(fit(stl_detector(period = 24), train[1:30]), "at least 49 rows",
    class = "anomalia_data_error"
  )
  expect_error(save_detector(stl_detector(), tempfile()), "call fit first",
    class = "anomalia_not_fitted_error"
  )
  expect_error(load_detector(tempfile()), "no such file", class = "anomalia_data_error")
  path <- tempfile(fileext = ".rds")
  saveRDS(list(1), path)
  expect_error(load_detector(path), "expected a saved anomaliaR detector",
    class = "anomalia_data_error"
  )
})
