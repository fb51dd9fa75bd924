# The cases and the seasons Python finds in them are in the shared fixture
# seasons.json (python -m anomalia.r.parity); pytest checks the same file.
cases <- jsonlite::fromJSON(file.path(fixtures_dir(), "seasons.json"), simplifyVector = FALSE)$cases

test_that("detect_season() finds the season Python finds, case by case", {
  for (case in cases) {
    values <- unlist(case$values)
    expect_identical(detect_season(values), case$period, label = case$name)
    strength <- season_strength(values)
    expect_identical(strength$period, case$best_period, label = case$name)
    expect_equal(strength$correlation, case$correlation, tolerance = 1e-9, label = case$name)
  }
})

test_that("the season of NYC taxi is 48", {
  path <- file.path(repo_root(), "..", "shared", "datasets", "nab", "data", "realKnownCause", "nyc_taxi.csv")
  skip_if_not(file.exists(path), "NAB is not at ../shared/datasets/nab")
  expect_identical(detect_season(utils::read.csv(path)$value), 48L)
})

test_that("the detectors use that season", {
  values <- unlist(cases[[1]]$values)
  expect_identical(fit(stl_detector(), values)$periods, 24L)
  expect_identical(fit(sarima_detector(), values)$models[[1]]$period, 24L)
})

test_that("bad arguments are refused", {
  expect_error(detect_season(1:100, min_period = 1), class = "anomalia_argument_error")
  expect_error(detect_season(cbind(1:10, 1:10)), class = "anomalia_argument_error")
  expect_error(detect_season(c(1, NA, 3)), class = "anomalia_data_error")
})
