test_that("box_cox picks lambda automatically and inverts exactly", {
  x <- exp(seq(1, 4, length.out = 50)) * (1 + 0.05 * sin(1:50))
  y <- box_cox(x)
  lambda <- attr(y, "lambda")
  expect_equal(lambda, forecast::BoxCox.lambda(x))
  expect_equal(inverse_box_cox(y), x, tolerance = 1e-8)
  expect_equal(as.numeric(box_cox(x, lambda = 0)), log(x))
})

test_that("box_cox refuses non-positive values for an automatic lambda", {
  expect_error(box_cox(c(1, 0, 2)), "must be positive", class = "anomalia_data_error")
  expect_error(box_cox(c(1, 2, 3), lambda = "x"), "`lambda` must be a number",
    class = "anomalia_argument_error"
  )
})

test_that("robust_scale uses median and 1.4826 * MAD, ignoring an outlier", {
  y <- robust_scale(c(1, 2, 3, 4, 1000))
  expect_equal(attr(y, "center"), 3)
  expect_equal(attr(y, "scale"), 1.4826)
  expect_equal(as.numeric(y)[1:4], (c(1, 2, 3, 4) - 3) / 1.4826)
  expect_equal(as.numeric(robust_scale(c(5, 6, 7), center = 6, scale = 2)), c(-0.5, 0, 0.5))
  expect_equal(as.numeric(robust_scale(c(2, 2, 2))), c(0, 0, 0))
})

test_that("deseasonalise removes the seasonal component", {
  x <- 10 + 3 * sin(2 * pi * seq_len(240) / 24)
  y <- deseasonalise(x)
  expect_equal(attr(y, "period"), 24L)
  expect_lt(stats::sd(y), 0.1 * stats::sd(x))
  expect_equal(as.numeric(y) + attr(y, "seasonal"), x)
})

test_that("transforms refuse bad input", {
  expect_error(robust_scale(c(1, NA, 3)), "impute missing values first",
    class = "anomalia_data_error"
  )
  expect_error(robust_scale(matrix(1:4, 2)), "must be a numeric vector",
    class = "anomalia_argument_error"
  )
  expect_error(deseasonalise(1:10 + 0, period = 24), "must span two seasons",
    class = "anomalia_data_error"
  )
})
