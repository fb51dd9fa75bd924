cases <- jsonlite::read_json(file.path(fixtures_dir(), "cases.json"))
schema <- jsonlite::read_json(
  file.path(repo_root(), "python", "anomalia", "contract", "schema.json")
)

valid_frame <- function() {
  data.frame(
    series_id = rep(c("a", "b"), each = 3),
    timestamp = as.POSIXct("2024-01-01", tz = "UTC") + rep(0:2, 2) * 3600,
    value = c(1, NA, 3, 4, 5, 6)
  )
}

test_that("a valid frame passes and keeps its missing value", {
  frame <- validate_observations(valid_frame(), schema = schema)
  expect_equal(sum(is.na(frame$value)), 1)
})

test_that("text numbers are parsed, blanks become NA", {
  frame <- valid_frame()
  frame$value <- c("1", " ", "3", "4", "5", "6")
  expect_equal(validate_observations(frame, schema = schema)$value, c(1, NA, 3, 4, 5, 6))
})

test_that("rows of a series must be contiguous", {
  frame <- valid_frame()[c(1, 4, 2, 5, 3, 6), ]
  expect_error(
    validate_observations(frame, source = "f", schema = schema),
    "rows of each series must be contiguous",
    class = "anomalia_data_error"
  )
})

test_that("a flag for an unknown column is refused", {
  frame <- valid_frame()
  frame$other_imputed <- FALSE
  expect_error(
    validate_observations(frame, source = "f", schema = schema),
    "f, column `other_imputed`: imputed flag for unknown value column `other`",
    class = "anomalia_data_error"
  )
})

test_that("a timestamp in another zone is refused", {
  frame <- valid_frame()
  attr(frame$timestamp, "tzone") <- "Europe/Paris"
  expect_error(validate_observations(frame, source = "f", schema = schema),
    "expected timezone UTC, got Europe/Paris",
    class = "anomalia_data_error"
  )
})

test_that("a frame without value columns is refused", {
  expect_error(
    validate_observations(valid_frame()[c("series_id", "timestamp")], schema = schema),
    "no value column",
    class = "anomalia_data_error"
  )
})

test_that("validate_* refuse what is not a data frame", {
  expect_error(validate_observations(1:3, schema = schema), "must be a data frame, not integer",
    class = "anomalia_argument_error"
  )
  expect_error(validate_scores(list(), schema = schema), "must be a data frame",
    class = "anomalia_argument_error"
  )
})

test_that("a scores table with an extra column is refused", {
  frame <- data.frame(
    series_id = "a", timestamp = as.POSIXct("2024-01-01", tz = "UTC"), detector = "x",
    score = 1, threshold = 2, is_anomaly = FALSE, extra = 1
  )
  expect_error(validate_scores(frame, source = "s", schema = schema),
    "s: unexpected column `extra` in a scores table",
    class = "anomalia_data_error"
  )
})
