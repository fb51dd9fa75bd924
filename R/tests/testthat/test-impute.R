test_that("linear interpolation fills gaps and the ends, flagging them", {
  filled <- impute_series(c(NA, 1, NA, 3, NA))
  expect_equal(as.numeric(filled), c(1, 1, 2, 3, 3))
  expect_equal(attr(filled, "imputed"), c(TRUE, FALSE, TRUE, FALSE, TRUE))
})

test_that("spline interpolation follows a curve", {
  x <- (1:9)^2
  x[5] <- NA
  expect_equal(as.numeric(impute_series(x, "spline"))[[5]], 25, tolerance = 1e-6)
})

test_that("seasonal imputation restores the season better than a straight line", {
  x <- noisy_sine(480, period = 24, seed = 4)
  truth <- x[c(30:35, 200:204)]
  x[c(30:35, 200:204)] <- NA
  seasonal <- impute_series(x, "seasonal")
  linear <- impute_series(x, "linear")
  error <- function(y) mean(abs(y[c(30:35, 200:204)] - truth))
  expect_lt(error(seasonal), error(linear))
  expect_equal(sum(attr(seasonal, "imputed")), 11)
})

test_that("impute_series refuses bad input", {
  expect_error(impute_series(c(NA_real_, NA_real_)), "not only missing values",
    class = "anomalia_data_error"
  )
  expect_error(impute_series("a"), "`x` must be a numeric vector, not character",
    class = "anomalia_argument_error"
  )
  expect_error(impute_series(c(1, NA), method = "cubic"), "must be one of")
  expect_error(impute_series(c(1, NA), period = 0), "`period` must be a whole number >= 1",
    class = "anomalia_argument_error"
  )
})

observations <- function() {
  data.frame(
    series_id = rep(c("a", "b"), each = 5),
    timestamp = as.POSIXct("2024-01-01", tz = "UTC") + rep(0:4, 2) * 60,
    value = c(1, NA, 3, 4, 5, 10, 10, NA, 14, 16),
    other = c(5, 4, 3, 2, 1, NA, 2, 3, 4, 5),
    label = 0L
  )
}

test_that("observations are filled within each series, with flags", {
  filled <- impute_observations(observations())
  expect_equal(filled$value, c(1, 2, 3, 4, 5, 10, 10, 12, 14, 16))
  # The leading gap of series b takes b's first value, not a's last.
  expect_equal(filled$other[[6]], 2)
  expect_equal(which(filled$value_imputed), c(2L, 8L))
  expect_equal(which(filled$other_imputed), 6L)
  expect_false("label_imputed" %in% names(filled))
})

test_that("flags already set stay set", {
  frame <- observations()
  frame$value_imputed <- c(TRUE, rep(FALSE, 9))
  expect_equal(which(impute_observations(frame)$value_imputed), c(1L, 2L, 8L))
})

test_that("mice imputes all value columns jointly and reproducibly", {
  set.seed(3)
  n <- 60
  base <- cumsum(stats::rnorm(n))
  frame <- data.frame(
    series_id = "a", timestamp = as.POSIXct("2024-01-01", tz = "UTC") + seq_len(n) * 60,
    value = base, twin = 2 * base + stats::rnorm(n, sd = 0.3)
  )
  frame$value[c(10, 40)] <- NA
  first <- impute_observations(frame, "mice", seed = 1)
  expect_false(anyNA(first$value))
  expect_equal(which(first$value_imputed), c(10L, 40L))
  expect_equal(impute_observations(frame, "mice", seed = 1), first)
  # Predictive mean matching draws donors from observed values.
  expect_true(all(first$value[c(10, 40)] %in% frame$value))
})

test_that("impute_observations refuses bad input", {
  expect_error(impute_observations(1:3), "`frame` must be a data frame",
    class = "anomalia_argument_error"
  )
  expect_error(impute_observations(observations()[-1]), "must have a column `series_id`",
    class = "anomalia_data_error"
  )
  expect_error(impute_observations(observations(), columns = "nope"), "not `nope`",
    class = "anomalia_argument_error"
  )
  frame <- observations()
  frame$value[6:10] <- NA
  expect_error(impute_observations(frame), "series `b`, column `value`: every value is missing",
    class = "anomalia_data_error"
  )
  frame <- observations()
  frame$value <- as.character(frame$value)
  expect_error(impute_observations(frame, columns = "value"), "column `value` must be numeric",
    class = "anomalia_data_error"
  )
})
