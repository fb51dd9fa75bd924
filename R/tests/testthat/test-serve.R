# The route handlers, called on request bodies as plumber hands them over;
# tests/python/r/test_service.py starts the real service and calls it by HTTP.
parse <- anomaliaR:::parse_body
impute_request <- anomaliaR:::impute_request
detect_request <- anomaliaR:::fit_detect_request

test_that("bodies that are not a JSON object are refused, naming the problem", {
  expect_error(parse(""), "must be a JSON object, not empty", class = "anomalia_argument_error")
  expect_error(parse("{\"values\": [1,"), "must be valid JSON", class = "anomalia_argument_error")
  expect_error(parse("[1, 2]"), "not an array or a scalar", class = "anomalia_argument_error")
})

test_that("/impute fills one series and reports what it filled", {
  answer <- impute_request(parse("{\"values\": [1, null, 3], \"method\": \"linear\"}"))
  expect_equal(as.numeric(answer$values), c(1, 2, 3))
  expect_equal(as.logical(answer$imputed), c(FALSE, TRUE, FALSE))
})

test_that("/impute fills aligned columns", {
  body <- parse("{\"columns\": {\"a\": [1, 2, null, 4], \"b\": [null, 1, 1, 1]}}")
  answer <- impute_request(body)
  expect_equal(as.numeric(answer$columns$a), c(1, 2, 3, 4))
  expect_equal(as.logical(answer$imputed$b), c(TRUE, FALSE, FALSE, FALSE))
})

test_that("/impute refuses malformed bodies", {
  expect_error(impute_request(parse("{\"values\": [\"a\", \"b\"]}")),
    "`values` must be an array of numbers (null for missing), not an array of strings",
    fixed = TRUE, class = "anomalia_argument_error"
  )
  expect_error(impute_request(parse("{\"values\": [1, null], \"method\": \"magic\"}")),
    "`method` must be one of linear, spline, seasonal, mice, not \"magic\"",
    class = "anomalia_argument_error"
  )
  expect_error(impute_request(parse("{\"other\": 1}")), "`values` .* or `columns`",
    class = "anomalia_argument_error"
  )
  expect_error(impute_request(parse("{\"columns\": {\"a\": [1, null], \"b\": [1]}}")),
    "not lengths 2, 1",
    class = "anomalia_argument_error"
  )
  expect_error(impute_request(parse("{\"values\": [1, null], \"method\": \"mice\"}")),
    "mice needs several `columns`",
    class = "anomalia_argument_error"
  )
})

test_that("/sarima/detect gives the scores of fit() and score()", {
  train <- noisy_sine(200, period = 12, seed = 5)
  values <- noisy_sine(200, period = 12, seed = 6, spikes = 150)
  body <- parse(jsonlite::toJSON(list(
    train = train, values = values, params = list(period = 12)
  ), digits = I(17)))
  answer <- detect_request(body)
  detector <- fit(sarima_detector(period = 12), train)
  expect_equal(as.numeric(answer$scores), score(detector, values))
  expect_equal(answer$threshold, detector$threshold)
  expect_true(answer$is_anomaly[[150]])
})

test_that("/sarima/detect refuses malformed bodies", {
  expect_error(detect_request(parse("{\"train\": \"a\"}")), "`train` must be an array of numbers",
    class = "anomalia_argument_error"
  )
  expect_error(detect_request(parse("{\"train\": [1, 2], \"params\": {\"order\": 3}}")),
    "not `order`",
    class = "anomalia_argument_error"
  )
  expect_error(detect_request(parse("{\"train\": [1, 2, 3], \"params\": {\"period\": -1}}")),
    "`period` must be a whole number",
    class = "anomalia_argument_error"
  )
  expect_error(detect_request(parse("{\"train\": [1, null, 3]}")), "missing value at row 2",
    class = "anomalia_data_error"
  )
})

test_that("the router has its routes", {
  skip_if_not_installed("plumber")
  paths <- vapply(service_router()$endpoints[[1]], function(endpoint) endpoint$path, character(1))
  expect_setequal(paths, c("/health", "/metrics", "/models", "/impute", "/sarima/detect", "/stl/detect"))
  expect_error(serve(port = 0), "`port` must be a whole number >= 1",
    class = "anomalia_argument_error"
  )
})

test_that("the API key is compared whole", {
  same_key <- anomaliaR:::same_key
  expect_true(same_key("s3cret", "s3cret"))
  expect_false(same_key("s3cre", "s3cret"))
  expect_false(same_key("s3cret!", "s3cret"))
  expect_false(same_key("", "s3cret"))
  expect_false(same_key("S3cret", "s3cret"))
})

test_that("a public address needs a key", {
  expect_error(serve(host = "0.0.0.0", api_key = ""), "`api_key` must be set",
    class = "anomalia_argument_error"
  )
})

test_that("metrics fold unknown routes and methods into `other`", {
  state <- anomaliaR:::new_service_state("sarima")
  anomaliaR:::record_request(state, "GET", "/health", 200L, 0.01)
  anomaliaR:::record_request(state, "other", "other", 404L, 0.02)
  anomaliaR:::record_request(state, "GET", "/health", 200L, 0.03)
  text <- anomaliaR:::metrics_text(state)
  expect_match(text, "anomalia_r_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 2",
    fixed = TRUE
  )
  expect_match(text, "anomalia_r_request_duration_seconds_count{method=\"GET\",route=\"/health\"} 2",
    fixed = TRUE
  )
  expect_match(text, "anomalia_r_models_loaded 1", fixed = TRUE)
})
