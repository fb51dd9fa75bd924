#' Serve anomaliaR models over HTTP
#'
#' Starts a plumber service (JSON in and out). Routes:
#'
#' * `GET /health`: `{"status": "ok", "version": ..., "models": [...]}`.
#' * `GET /metrics`: request counts and latency in the Prometheus text format.
#' * `GET /models`: the model sets loaded from `models`.
#' * `POST /sarima/detect`, `POST /stl/detect`: score with a model set
#'   trained by `anomalia train --detector sarima|stl`, without refitting
#'   (the scores `anomalia detect` gives). Body `{"series_id": "cpu",
#'   "values": [...]}` for one series or `{"series": [{"series_id": ...,
#'   "values": [...]}, ...]}` for several; `"columns": {"name": [...]}`
#'   instead of `values` for several value columns; `"model"` names the model
#'   set when more than one of that detector is loaded. Answers `scores`,
#'   `threshold` and `is_anomaly` per series. A body with `train` (and
#'   optional `values`, `params`) fits a fresh detector on `train` instead.
#' * `POST /impute`: `{"values": [1, null, 3], "method": "linear"}` or
#'   `{"columns": {...}, "method": "mice", "seed": 1}`; answers the filled
#'   values and `imputed` flags.
#'
#' A malformed body gets 400 and `{"error": "..."}` naming the field; a body
#' above `max_body_bytes` gets 413; without the API key (header `X-API-Key`)
#' every route but `/health` and `/metrics` gets 401. The key is the Python
#' service's setting, `ANOMALIA_API_KEY`; bound to an address other than
#' loopback, the service refuses to start without one. Each request is logged
#' as one JSON line on stderr (`time`, `level`, `request_id`, `method`,
#' `route`, `status`, `latency_ms`), the fields of the Python service's log;
#' the request id is the `X-Request-ID` header when sent, and is returned in
#' that header. With `workers` above 1, scoring and imputation run in that
#' many background R processes (`future::multisession`), so that one long
#' request does not hold up the others.
#'
#' @param host Interface to listen on.
#' @param port TCP port.
#' @param models Folder of model sets (`anomalia train --models`), or `NULL`.
#'   Every sub-folder holding a sarima or stl `manifest.json` is loaded.
#' @param api_key Key required in the `X-API-Key` header; `""` for none.
#' @param max_body_bytes Largest request body accepted.
#' @param workers Background R processes answering requests (1: none, the
#'   requests are answered in turn).
#' @param insecure Serve on a non-loopback address without an API key.
#' @return `serve()` does not return while the service runs; `service_router()`
#'   returns the plumber router.
#' @examples
#' router <- service_router()
#' vapply(router$endpoints[[1]], function(endpoint) endpoint$path, character(1))
#' if (interactive()) serve(host = "127.0.0.1", port = 8001)
#' @export
serve <- function(host = "127.0.0.1", port = 8001, models = NULL,
                  api_key = Sys.getenv("ANOMALIA_API_KEY"), max_body_bytes = 10 * 1024^2,
                  workers = 2, insecure = FALSE) {
  check_string(host)
  check_count(port, minimum = 1)
  check_count(workers, minimum = 1)
  check_flag(insecure)
  if (!nzchar(api_key) && !insecure && !host %in% c("127.0.0.1", "localhost", "::1")) {
    abort_argument(sprintf(
      "`api_key` must be set (ANOMALIA_API_KEY) to serve on %s, not empty; bind to 127.0.0.1, or pass `insecure = TRUE` to serve without authentication.",
      host
    ))
  }
  if (workers > 1) {
    require_package("future", "concurrent requests")
    require_package("promises", "concurrent requests")
    old_plan <- future::plan(future::multisession, workers = workers)
    on.exit(future::plan(old_plan), add = TRUE)
  }
  router <- service_router(
    models = models, api_key = api_key, max_body_bytes = max_body_bytes,
    workers = workers
  )
  plumber::pr_run(router, host = host, port = as.integer(port), docs = FALSE, quiet = TRUE)
}

#' @rdname serve
#' @export
service_router <- function(models = NULL, api_key = Sys.getenv("ANOMALIA_API_KEY"),
                           max_body_bytes = 10 * 1024^2, workers = 1) {
  require_package("plumber", "serving models")
  check_number(max_body_bytes, lower = 1)
  check_count(workers, minimum = 1)
  model_sets <- if (is.null(models)) list() else read_model_sets(models)
  # Full double precision in answers: scores must equal those of the bridge.
  json <- plumber::serializer_json(auto_unbox = TRUE, digits = I(17), na = "null")
  state <- new_service_state(names(model_sets))
  router <- plumber::pr()
  router <- plumber::pr_set_serializer(router, json)
  router <- plumber::pr_set_error(router, function(req, res, err) {
    res$status <- 500
    list(error = sprintf("internal error; the service log has it under request id %s",
      req$anomalia_request_id %||% "unknown"))
  })
  router <- plumber::pr_filter(router, "guard", guard_filter(api_key, max_body_bytes))
  router <- plumber::pr_hooks(router, observability_hooks(state))
  router <- plumber::pr_get(router, "/health", function() {
    list(
      status = "ok", version = as.character(utils::packageVersion("anomaliaR")),
      models = I(as.character(names(model_sets)))
    )
  }, serializer = json)
  router <- plumber::pr_get(router, "/metrics", function(res) {
    res$setHeader("Content-Type", "text/plain; version=0.0.4")
    res$body <- metrics_text(state)
    res
  })
  router <- plumber::pr_get(router, "/models", function() {
    lapply(unname(model_sets), function(model_set) {
      list(
        name = model_set$name, detector = model_set$detector,
        series = I(names(model_set$series)), value_columns = I(model_set$value_columns)
      )
    })
  }, serializer = json)
  routes <- list(
    "/impute" = impute_request,
    "/sarima/detect" = detect_handler(model_sets, "sarima"),
    "/stl/detect" = detect_handler(model_sets, "stl")
  )
  # The handlers parse the body text themselves (so malformed JSON is a 400
  # naming the problem); this parser accepts every content type and does
  # nothing, where plumber's own would log "No suitable parser found".
  plumber::register_parser("anomalia_unparsed", function(...) function(value, ...) NULL,
    regex = ".*", verbose = FALSE
  )
  for (path in names(routes)) {
    router <- plumber::pr_post(router, path, post_endpoint(routes[[path]], workers),
      serializer = json, parsers = "anomalia_unparsed"
    )
  }
  router
}

require_package <- function(package, purpose, call = rlang::caller_env()) {
  if (!requireNamespace(package, quietly = TRUE)) {
    rlang::abort(sprintf(
      "%s is needed for %s; install it with `apt-get install r-cran-%s`.",
      package, purpose, tolower(package)
    ), class = c("anomalia_dependency_error", "anomalia_error"), call = call)
  }
}

read_model_sets <- function(models, call = rlang::caller_env()) {
  check_string(models, call = call)
  if (!dir.exists(models)) {
    abort_data(sprintf("%s: no such folder of model sets.", models), call = call)
  }
  folders <- c(models, list.dirs(models, recursive = FALSE))
  model_sets <- list()
  for (folder in folders) {
    manifest <- file.path(folder, "manifest.json")
    if (!file.exists(manifest) || startsWith(basename(folder), ".")) next
    detector <- tryCatch(jsonlite::fromJSON(manifest)$detector, error = function(error) NULL)
    if (is.null(detector) || !detector %in% c("sarima", "stl")) next
    model_set <- read_model_set(folder)
    model_sets[[model_set$name]] <- model_set
  }
  model_sets
}

# The endpoint of a POST route: `handler(body)` runs here (workers = 1) or in a
# background R process, with the body text and the handler as its only data.
post_endpoint <- function(handler, workers) {
  force(handler)
  function(req, res) {
    text <- req$postBody
    finish <- function(outcome) {
      res$status <- outcome$status
      outcome$body
    }
    if (workers > 1) {
      answer <- answer_request
      promise <- promises::future_promise(answer(handler, text),
        globals = list(answer = answer, handler = handler, text = text),
        packages = "anomaliaR", seed = TRUE
      )
      return(promises::then(promise, finish))
    }
    finish(answer_request(handler, text))
  }
}

# The status and body of a request: anomaliaR's own errors become 400 (a
# missing model set 404) with the message; anything else is left to plumber's
# error handler (500).
answer_request <- function(handler, text) {
  tryCatch(list(status = 200L, body = handler(parse_body(text))),
    anomalia_not_found_error = function(error) {
      list(status = 404L, body = list(error = conditionMessage(error)))
    },
    anomalia_error = function(error) {
      list(status = 400L, body = list(error = conditionMessage(error)))
    }
  )
}

# Body limit and API key, before any route runs.
guard_filter <- function(api_key, max_body_bytes) {
  force(api_key)
  force(max_body_bytes)
  function(req, res) {
    length <- suppressWarnings(as.numeric(req$CONTENT_LENGTH %||% req$HTTP_CONTENT_LENGTH %||% 0))
    if (!is.na(length) && length > max_body_bytes) {
      res$status <- 413
      return(list(error = sprintf(
        "The request body must be at most %.0f bytes, not %.0f.", max_body_bytes, length
      )))
    }
    # Without a content type plumber would pick its JSON or form parser (and
    # log "No suitable parser"); the handlers parse the text themselves.
    if (!nzchar(req$HTTP_CONTENT_TYPE %||% "")) req$HTTP_CONTENT_TYPE <- "application/octet-stream"
    open <- req$PATH_INFO %in% c("/health", "/metrics")
    if (nzchar(api_key) && !open && !same_key(req$HTTP_X_API_KEY %||% "", api_key)) {
      res$status <- 401
      res$setHeader("WWW-Authenticate", "X-API-Key")
      return(list(error = "missing or wrong API key: send it in the X-API-Key header"))
    }
    plumber::forward()
  }
}

# Compares every character whatever the first difference, so the time taken
# does not tell how much of a guessed key was right.
same_key <- function(given, expected) {
  given <- utf8ToInt(enc2utf8(given))
  expected <- utf8ToInt(enc2utf8(expected))
  if (length(given) != length(expected)) {
    given <- rep_len(c(given, 0L), length(expected))
    return(sum(bitwXor(given, expected)) < 0)
  }
  sum(bitwXor(given, expected)) == 0
}
