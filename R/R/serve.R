#' Serve anomaliaR models over HTTP
#'
#' Starts a plumber service with three routes (JSON in and out):
#'
#' * `GET /health`: `{"status": "ok", "version": "<anomaliaR version>"}`.
#' * `POST /impute`: body `{"values": [1, null, 3], "method": "linear",
#'   "period": null}` for one series, or `{"columns": {"cpu": [...], "mem":
#'   [...]}, "method": "mice", "seed": 1}` for several aligned columns
#'   (`method` one of linear, spline, seasonal, mice; mice needs `columns`).
#'   Answers the same shape filled, plus `imputed` (true where filled).
#' * `POST /sarima/detect`: body `{"train": [...], "values": [...],
#'   "params": {"period": 24, ...}}`: fits `sarima_detector(params)` on `train`
#'   and scores `values` (default: `train`). Answers `{"scores": [...],
#'   "threshold": t, "is_anomaly": [...], "models": ["ARIMA(...)"]}`.
#'
#' A malformed body (not JSON, a missing or mistyped field, a bad parameter)
#' gets HTTP 400 and `{"error": "<what is wrong>"}`; data the model cannot
#' use (missing values in `train`) also gets 400.
#'
#' @param host Interface to listen on.
#' @param port TCP port.
#' @return `serve()` does not return while the service runs; `service_router()`
#'   returns the plumber router.
#' @examples
#' \dontrun{
#' serve(host = "127.0.0.1", port = 8001)
#' }
#' @export
serve <- function(host = "127.0.0.1", port = 8001) {
  check_string(host)
  check_count(port, minimum = 1)
  router <- service_router()
  plumber::pr_run(router, host = host, port = as.integer(port), docs = FALSE, quiet = TRUE)
}

#' @rdname serve
#' @export
service_router <- function() {
  if (!requireNamespace("plumber", quietly = TRUE)) {
    rlang::abort("plumber is needed to serve models; install it with `apt-get install r-cran-plumber`.",
      class = c("anomalia_dependency_error", "anomalia_error")
    )
  }
  # Full double precision in answers: scores must equal those of the bridge.
  json <- plumber::serializer_json(auto_unbox = TRUE, digits = I(17), na = "null")
  router <- plumber::pr()
  router <- plumber::pr_get(router, "/health", function() {
    list(status = "ok", version = as.character(utils::packageVersion("anomaliaR")))
  }, serializer = json, parsers = "octet")
  router <- plumber::pr_post(router, "/impute", function(req, res) {
    respond(req, res, impute_request)
  }, serializer = json, parsers = "octet")
  router <- plumber::pr_post(router, "/sarima/detect", function(req, res) {
    respond(req, res, detect_request)
  }, serializer = json, parsers = "octet")
  router
}

# Runs `handler` on the body, parsed here (plumber parses nothing: parsers = "octet")
# so that malformed JSON is a 400 naming the problem; anomaliaR's own errors become 400.
respond <- function(req, res, handler) {
  tryCatch(handler(parse_body(req$postBody)), anomalia_error = function(error) {
    res$status <- 400
    list(error = conditionMessage(error))
  })
}

parse_body <- function(text) {
  if (is.null(text) || !nzchar(paste(text, collapse = ""))) {
    abort_argument("The request body must be a JSON object, not empty.", call = NULL)
  }
  body <- tryCatch(jsonlite::fromJSON(paste(text, collapse = "\n"), simplifyVector = TRUE),
    error = function(error) {
      detail <- gsub("\\s+", " ", trimws(conditionMessage(error)))
      abort_argument(sprintf("The request body must be valid JSON (%s).", detail), call = NULL)
    }
  )
  if (!is.list(body) || is.data.frame(body) || (length(body) > 0 && is.null(names(body)))) {
    abort_argument("The request body must be a JSON object, not an array or a scalar.", call = NULL)
  }
  body
}

body_numbers <- function(body, field, required = TRUE) {
  value <- body[[field]]
  if (is.null(value) && !required) {
    return(NULL)
  }
  if (is.null(value)) {
    abort_argument(sprintf("`%s` must be an array of numbers, not missing.", field), call = NULL)
  }
  if (is.logical(value) && all(is.na(value))) value <- as.numeric(value)
  if (!is.numeric(value) || !is.null(dim(value))) {
    abort_argument(sprintf(
      "`%s` must be an array of numbers (null for missing), not %s.", field, json_type(value)
    ), call = NULL)
  }
  as.numeric(value)
}

json_type <- function(value) {
  if (is.list(value)) {
    return("an object or mixed array")
  }
  if (is.character(value)) {
    return(if (length(value) == 1) sprintf("the string \"%s\"", value) else "an array of strings")
  }
  if (is.logical(value)) {
    return("booleans")
  }
  if (!is.null(dim(value))) {
    return("a nested array")
  }
  class(value)[[1]]
}

body_scalar <- function(body, field) {
  value <- body[[field]]
  if (!is.null(value) && (length(value) != 1 || is.list(value))) {
    abort_argument(sprintf("`%s` must be a single value, not %s.", field, json_type(value)),
      call = NULL
    )
  }
  value
}

impute_request <- function(body) {
  method <- body_scalar(body, "method") %||% "linear"
  if (!method %in% c("linear", "spline", "seasonal", "mice")) {
    abort_argument(sprintf(
      "`method` must be one of linear, spline, seasonal, mice, not \"%s\".", method
    ), call = NULL)
  }
  period <- body_scalar(body, "period")
  if (!is.null(body$values)) {
    if (method == "mice") {
      abort_argument("`method` mice needs several `columns`, not one `values` array.", call = NULL)
    }
    filled <- impute_series(body_numbers(body, "values"), method = method, period = period)
    return(list(values = I(as.numeric(filled)), imputed = I(attr(filled, "imputed"))))
  }
  columns <- body$columns
  if (!is.list(columns) || length(columns) == 0 || is.null(names(columns))) {
    abort_argument("The body must have `values` (an array) or `columns` (an object of arrays), not neither.",
      call = NULL
    )
  }
  values <- lapply(names(columns), function(name) body_numbers(columns, name))
  lengths <- vapply(values, length, integer(1))
  if (length(unique(lengths)) != 1) {
    abort_argument(sprintf(
      "`columns` must be arrays of one length, not lengths %s.", paste(lengths, collapse = ", ")
    ), call = NULL)
  }
  frame <- data.frame(
    series_id = "request",
    timestamp = as.POSIXct(seq_len(lengths[[1]]), origin = "1970-01-01", tz = "UTC")
  )
  frame[names(columns)] <- values
  filled <- impute_observations(frame,
    method = method, columns = names(columns), period = period,
    seed = body_scalar(body, "seed")
  )
  list(
    columns = lapply(stats::setNames(names(columns), names(columns)), function(name) I(filled[[name]])),
    imputed = lapply(stats::setNames(names(columns), names(columns)), function(name) {
      I(filled[[paste0(name, "_imputed")]])
    })
  )
}

detect_request <- function(body) {
  train <- body_numbers(body, "train")
  values <- body_numbers(body, "values", required = FALSE) %||% train
  params <- body$params %||% list()
  if (!is.list(params) || (length(params) > 0 && is.null(names(params)))) {
    abort_argument("`params` must be an object of sarima_detector() parameters.", call = NULL)
  }
  known <- names(formals(sarima_detector))
  unknown <- setdiff(names(params), known)
  if (length(unknown) > 0) {
    abort_argument(sprintf(
      "`params` must name sarima_detector() parameters (%s), not `%s`.",
      paste(known, collapse = ", "), unknown[[1]]
    ), call = NULL)
  }
  detector <- fit(do.call(sarima_detector, params), train)
  scores <- score(detector, values)
  list(
    scores = I(as.numeric(scores)),
    threshold = detector$threshold,
    is_anomaly = I(as.logical(scores > detector$threshold)),
    models = I(vapply(detector$models, function(model) {
      if (model$kind == "naive") "naive (constant)" else forecast_label(model)
    }, character(1)))
  )
}
