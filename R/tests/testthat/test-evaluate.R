# Every case and the metrics Python's anomalia.metrics.evaluate() gives are
# in the shared fixture expected_metrics.json (python -m anomalia.r.parity).
cases <- jsonlite::fromJSON(file.path(fixtures_dir(), "expected_metrics.json"),
  simplifyVector = FALSE
)$cases

test_that("evaluate_scores() gives Python's metrics on the shared cases to 1e-12", {
  for (case in cases) {
    got <- evaluate_scores(unlist(case$labels), unlist(case$scores), unlist(case$flags))
    expected <- vapply(case$expected, function(value) if (is.null(value)) NaN else value, numeric(1))
    expect_identical(names(got), names(expected), label = case$name)
    expect_identical(is.nan(got), is.nan(expected), label = case$name)
    finite <- !is.nan(expected)
    expect_lt(max(abs(got[finite] - expected[finite])), 1e-12)
  }
})

test_that("bad input names the argument and the row", {
  expect_error(evaluate_scores(c(0, 2), c(1, 2), c(0, 0)), "`labels` must be 0/1 values, not 2 at row 2",
    class = "anomalia_data_error"
  )
  expect_error(evaluate_scores(c(0, 1), c(1, Inf), c(0, 0)), "not Inf at row 2", class = "anomalia_data_error")
  expect_error(evaluate_scores(c(0, 1), c(1, 2, 3), c(0, 0)), "must have one length", class = "anomalia_data_error")
})
