# Request ids, one JSON log line per request and Prometheus metrics for the
# plumber service. Label values come from fixed sets only (known routes and
# methods, else "other"), so no request can grow /metrics.

known_routes <- c("/health", "/metrics", "/models", "/impute", "/sarima/detect", "/stl/detect")
known_methods <- c("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH")

new_service_state <- function(model_names) {
  state <- new.env(parent = emptyenv())
  state$requests <- list()
  state$duration_sum <- list()
  state$duration_count <- list()
  state$models_loaded <- length(model_names)
  state
}

request_id <- function(req) {
  given <- req$HTTP_X_REQUEST_ID %||% ""
  given <- substr(gsub("[^A-Za-z0-9._-]", "", given), 1, 64)
  if (nzchar(given)) given else paste(sprintf("%02x", sample.int(256, 16, replace = TRUE) - 1L), collapse = "")
}

observability_hooks <- function(state) {
  list(
    preroute = function(data, req, res) {
      data$started <- Sys.time()
      req$anomalia_request_id <- request_id(req)
      res$setHeader("X-Request-ID", req$anomalia_request_id)
    },
    postserialize = function(data, req, res, value) {
      latency <- as.numeric(difftime(Sys.time(), data$started %||% Sys.time(), units = "secs"))
      route <- if (req$PATH_INFO %in% known_routes) req$PATH_INFO else "other"
      method <- if (req$REQUEST_METHOD %in% known_methods) req$REQUEST_METHOD else "other"
      status <- as.integer(res$status)
      record_request(state, method, route, status, latency)
      log_request(req$anomalia_request_id, method, route, status, latency)
      value
    }
  )
}

record_request <- function(state, method, route, status, latency) {
  key <- paste(method, route, status, sep = "\t")
  state$requests[[key]] <- (state$requests[[key]] %||% 0) + 1
  timing <- paste(method, route, sep = "\t")
  state$duration_sum[[timing]] <- (state$duration_sum[[timing]] %||% 0) + latency
  state$duration_count[[timing]] <- (state$duration_count[[timing]] %||% 0) + 1
}

log_request <- function(request_id, method, route, status, latency) {
  entry <- list(
    time = format(Sys.time(), "%Y-%m-%dT%H:%M:%OS3+00:00", tz = "UTC"), level = "INFO",
    logger = "anomaliaR.serve", message = "request", request_id = request_id,
    method = method, route = route, status = status, latency_ms = round(latency * 1000, 3)
  )
  cat(jsonlite::toJSON(entry, auto_unbox = TRUE), "\n", sep = "", file = stderr())
}

metrics_text <- function(state) {
  labels <- function(key, names) {
    parts <- strsplit(key, "\t", fixed = TRUE)[[1]]
    paste0("{", paste0(names, "=\"", parts, "\"", collapse = ","), "}")
  }
  lines <- c(
    "# HELP anomalia_r_requests_total HTTP requests served.",
    "# TYPE anomalia_r_requests_total counter",
    vapply(names(state$requests), function(key) {
      paste0("anomalia_r_requests_total", labels(key, c("method", "route", "status")), " ",
        format(state$requests[[key]], scientific = FALSE))
    }, character(1)),
    "# HELP anomalia_r_request_duration_seconds HTTP request latency.",
    "# TYPE anomalia_r_request_duration_seconds summary",
    unlist(lapply(names(state$duration_sum), function(key) {
      c(
        paste0("anomalia_r_request_duration_seconds_sum", labels(key, c("method", "route")), " ",
          format(state$duration_sum[[key]], digits = 15)),
        paste0("anomalia_r_request_duration_seconds_count", labels(key, c("method", "route")), " ",
          format(state$duration_count[[key]], scientific = FALSE))
      )
    })),
    "# HELP anomalia_r_models_loaded Model sets loaded.",
    "# TYPE anomalia_r_models_loaded gauge",
    paste("anomalia_r_models_loaded", state$models_loaded)
  )
  paste0(paste(lines, collapse = "\n"), "\n")
}
