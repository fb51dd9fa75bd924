# The golden fixtures are shared with the Python suite
# (tests/python/contract/test_fixtures.py): both languages must accept the
# valid files and reject each invalid one with the message in cases.json.
cases <- jsonlite::read_json(file.path(fixtures_dir(), "cases.json"))
readers <- list(observations = read_observations, scores = read_scores)

test_that("the schema is the file the Python package uses", {
  skip_without_python()
  expect_equal(
    normalizePath(schema_path()),
    normalizePath(file.path(repo_root(), "python", "anomalia", "contract", "schema.json"))
  )
})

test_that("valid fixtures read with canonical types", {
  skip_without_python()
  for (name in names(cases$valid)) {
    frame <- readers[[cases$valid[[name]]]](file.path(fixtures_dir(), name))
    expect_equal(nrow(frame), 12)
    expect_s3_class(frame$timestamp, "POSIXct")
    expect_equal(attr(frame$timestamp, "tzone"), "UTC")
    expect_equal(frame$series_id[[1]], "cpu")
    expect_equal(format(frame$timestamp[[2]], "%Y-%m-%d %H:%M:%S"), "2024-03-01 01:00:00")
  }
})

test_that("every invalid fixture is rejected with its message, naming the file", {
  skip_without_python()
  for (name in names(cases$invalid)) {
    case <- cases$invalid[[name]]
    path <- file.path(fixtures_dir(), name)
    error <- expect_error(readers[[case$table]](path), class = "anomalia_data_error")
    expect_true(grepl(case$error, conditionMessage(error), fixed = TRUE), info = name)
    expect_true(startsWith(conditionMessage(error), path), info = name)
  }
})

test_that("observations survive a write and read, missing values included", {
  skip_without_python()
  frame <- read_observations(file.path(fixtures_dir(), "observations_valid.parquet"))
  path <- tempfile(fileext = ".parquet")
  write_observations(frame, path)
  again <- read_observations(path)
  expect_equal(again, frame)
  expect_equal(sum(is.na(again$value)), 1)
  expect_false(any(grepl(basename(path), list.files(dirname(path), all.files = TRUE)) &
    startsWith(list.files(dirname(path), all.files = TRUE), ".")))
})

test_that("sub-second timestamps survive to the microsecond", {
  skip_without_python()
  frame <- data.frame(
    series_id = "a",
    timestamp = as.POSIXct(1709251200.123456 + 0:2, origin = "1970-01-01", tz = "UTC"),
    value = c(1, NA, 3)
  )
  path <- tempfile(fileext = ".parquet")
  write_observations(frame, path)
  again <- read_observations(path)
  expect_equal(as.numeric(again$timestamp), as.numeric(frame$timestamp), tolerance = 1e-12)
})

test_that("scores survive a write and read", {
  skip_without_python()
  frame <- read_scores(file.path(fixtures_dir(), "scores_valid.parquet"))
  path <- tempfile(fileext = ".parquet")
  write_scores(frame, path)
  expect_equal(read_scores(path), frame)
})

test_that("a missing or unreadable file is a data error", {
  skip_without_python()
  expect_error(read_observations(tempfile()), "no such file", class = "anomalia_data_error")
  path <- tempfile(fileext = ".parquet")
  writeLines("not parquet", path)
  expect_error(read_observations(path), "not a readable parquet file",
    class = "anomalia_data_error"
  )
  expect_error(read_observations(1), "`path` must be a non-empty string",
    class = "anomalia_argument_error"
  )
})

test_that("an invalid frame is not written", {
  skip_without_python()
  path <- tempfile(fileext = ".parquet")
  frame <- data.frame(series_id = "a", timestamp = Sys.time(), value = 1)
  attr(frame$timestamp, "tzone") <- ""
  expect_error(write_observations(frame, path), "no timezone", class = "anomalia_data_error")
  expect_false(file.exists(path))
})
