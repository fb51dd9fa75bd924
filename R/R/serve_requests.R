# The POST routes' handlers: each takes the parsed body and returns the
# answer, or raises an anomalia_error naming the field that is wrong.

parse_body <- function(text) {
  if (is.null(text) || !nzchar(paste(text, collapse = ""))) {
    abort_argument("The request body must be a JSON object, not empty.", call = NULL)
  }
  body <- tryCatch(jsonlite::fromJSON(paste(text, collapse = "\n"),
    simplifyVector = TRUE,
    simplifyDataFrame = FALSE
  ),
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

body_numbers <- function(body, field, required = TRUE, label = field) {
  value <- body[[field]]
  if (is.null(value) && !required) {
    return(NULL)
  }
  if (is.null(value)) {
    abort_argument(sprintf("`%s` must be an array of numbers, not missing.", label), call = NULL)
  }
  if (is.logical(value) && all(is.na(value))) value <- as.numeric(value)
  if (!is.numeric(value) || !is.null(dim(value))) {
    abort_argument(sprintf(
      "`%s` must be an array of numbers (null for missing), not %s.", label, json_type(value)
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
  if (!is.null(body[["values"]])) {
    if (method == "mice") {
      abort_argument("`method` mice needs several `columns`, not one `values` array.", call = NULL)
    }
    filled <- impute_series(body_numbers(body, "values"), method = method, period = period)
    return(list(values = I(as.numeric(filled)), imputed = I(attr(filled, "imputed"))))
  }
  columns <- body[["columns"]]
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

fit_detect_request <- function(body, detector = "sarima") {
  train <- body_numbers(body, "train")
  values <- body_numbers(body, "values", required = FALSE) %||% train
  params <- body[["params"]] %||% list()
  if (!is.list(params) || (length(params) > 0 && is.null(names(params)))) {
    abort_argument(sprintf("`params` must be an object of %s_detector() parameters.", detector),
      call = NULL
    )
  }
  constructor <- switch(detector,
    sarima = sarima_detector,
    stl = stl_detector
  )
  known <- names(formals(constructor))
  unknown <- setdiff(names(params), known)
  if (length(unknown) > 0) {
    abort_argument(sprintf(
      "`params` must name %s_detector() parameters (%s), not `%s`.",
      detector, paste(known, collapse = ", "), unknown[[1]]
    ), call = NULL)
  }
  fitted <- fit(do.call(constructor, params), train)
  scores <- as.numeric(score(fitted, values))
  answer <- list(
    scores = I(scores), threshold = fitted$threshold,
    is_anomaly = I(as.logical(scores > fitted$threshold))
  )
  if (detector == "sarima") {
    answer$models <- I(vapply(fitted$models, function(model) {
      if (model$kind == "naive") "naive (constant)" else forecast_label(model)
    }, character(1)))
  }
  answer
}

# POST /<detector>/detect: with `train`, fit and score (fit_detect_request);
# else score with a loaded model set of that detector.
detect_handler <- function(model_sets, detector) {
  model_sets <- Filter(function(model_set) model_set$detector == detector, model_sets)
  function(body) {
    if (!is.null(body[["train"]])) {
      return(fit_detect_request(body, detector))
    }
    model_detect_request(body, model_sets, detector)
  }
}

model_detect_request <- function(body, model_sets, detector) {
  name <- body_scalar(body, "model")
  if (length(model_sets) == 0) {
    abort_not_found(sprintf(
      "No %s model set is loaded; start the service with `models` (anomalia train --detector %s), or send `train`.",
      detector, detector
    ))
  }
  if (is.null(name)) {
    if (length(model_sets) > 1) {
      abort_argument(sprintf(
        "`model` must name one of the %s model sets (%s), not be missing.", detector,
        paste(names(model_sets), collapse = ", ")
      ), call = NULL)
    }
    name <- names(model_sets)[[1]]
  }
  model_set <- model_sets[[as.character(name)]]
  if (is.null(model_set)) {
    abort_not_found(sprintf(
      "`model` must name a loaded %s model set (%s), not \"%s\".", detector,
      paste(names(model_sets), collapse = ", "), name
    ))
  }
  many <- !is.null(body[["series"]])
  entries <- if (many) body[["series"]] else list(body)
  if (many && (!is.list(entries) || is.data.frame(entries) || length(entries) == 0)) {
    abort_argument("`series` must be a non-empty array of objects, not something else.", call = NULL)
  }
  answers <- lapply(seq_along(entries), function(i) {
    field <- if (many) sprintf("series[%d]", i) else NULL
    score_entry(entries[[i]], model_set, field)
  })
  if (many) {
    return(list(model = model_set$name, series = answers))
  }
  c(list(model = model_set$name), answers[[1]])
}

score_entry <- function(entry, model_set, field) {
  name <- function(inner) if (is.null(field)) inner else paste0(field, ".", inner)
  if (!is.list(entry) || is.null(names(entry))) {
    abort_argument(sprintf("`%s` must be an object, not %s.", field, json_type(entry)), call = NULL)
  }
  series_id <- entry[["series_id"]]
  if (!is.character(series_id) || length(series_id) != 1) {
    abort_argument(sprintf("`%s` must be a string, not %s.", name("series_id"),
      if (is.null(series_id)) "missing" else json_type(series_id)), call = NULL)
  }
  if (!is.null(entry[["columns"]])) {
    columns <- entry[["columns"]]
    if (!is.list(columns) || is.null(names(columns))) {
      abort_argument(sprintf("`%s` must be an object of arrays.", name("columns")), call = NULL)
    }
    missing <- setdiff(model_set$value_columns, names(columns))
    if (length(missing) > 0) {
      abort_argument(sprintf("`%s` must hold the trained value columns (%s), not lack `%s`.",
        name("columns"), paste(model_set$value_columns, collapse = ", "), missing[[1]]), call = NULL)
    }
    values <- lapply(model_set$value_columns, function(column) {
      body_numbers(columns, column, label = paste0(name("columns"), ".", column))
    })
    lengths <- vapply(values, length, integer(1))
    if (length(unique(lengths)) != 1) {
      abort_argument(sprintf("`%s` must be arrays of one length, not lengths %s.", name("columns"),
        paste(lengths, collapse = ", ")), call = NULL)
    }
    values <- do.call(cbind, values)
  } else {
    if (length(model_set$value_columns) > 1) {
      abort_argument(sprintf("`%s` must be given: the model set has value columns %s.",
        name("columns"), paste(model_set$value_columns, collapse = ", ")), call = NULL)
    }
    values <- body_numbers(entry, "values", label = name("values"))
  }
  scores <- score_model_set(model_set, series_id, values)
  threshold <- attr(scores, "threshold")
  scores <- as.numeric(scores)
  list(
    series_id = series_id, scores = I(scores), threshold = threshold,
    is_anomaly = I(scores > threshold)
  )
}

abort_not_found <- function(message, call = NULL) {
  rlang::abort(message, class = c("anomalia_not_found_error", "anomalia_data_error", "anomalia_error"),
    call = call)
}
