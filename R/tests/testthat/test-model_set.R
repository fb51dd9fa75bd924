# A model set as `anomalia train --detector stl` writes it: manifest.json and
# series-XXXX/model.rds (the Python side's other files are not read).
write_model_set <- function(folder, detector = fit(stl_detector(period = 12), noisy_sine(240, 12, seed = 1)),
                            manifest = NULL) {
  dir.create(file.path(folder, "series-0000"), recursive = TRUE, showWarnings = FALSE)
  save_detector(detector, file.path(folder, "series-0000", "model.rds"))
  manifest <- manifest %||% list(
    detector = "stl", params = list(period = 12), value_columns = list("value"),
    fill_method = "linear", series = list(list(series_id = "cpu", folder = "series-0000"))
  )
  jsonlite::write_json(manifest, file.path(folder, "manifest.json"), auto_unbox = TRUE)
  folder
}

test_that("a model set scores as its detector, without refitting", {
  folder <- write_model_set(file.path(tempfile(), "stl"))
  model_set <- read_model_set(folder)
  expect_s3_class(model_set, "anomalia_model_set")
  expect_equal(model_set$name, "stl")
  expect_output(print(model_set), "stl, 1 series")
  values <- noisy_sine(240, 12, seed = 2, spikes = 200)
  detector <- readRDS(file.path(folder, "series-0000", "model.rds"))
  scores <- score_model_set(model_set, "cpu", values)
  expect_identical(as.numeric(scores), as.numeric(score(detector, values)))
  expect_equal(attr(scores, "threshold"), detector$threshold)
  values[c(5, 6)] <- NA
  expect_length(score_model_set(model_set, "cpu", values), 240)
})

test_that("bad model sets are refused with the file and the reason", {
  root <- tempfile()
  expect_error(read_model_set(root), "no manifest.json", class = "anomalia_data_error")
  folder <- write_model_set(file.path(root, "a"))
  writeLines("{not json", file.path(folder, "manifest.json"))
  expect_error(read_model_set(folder), "manifest.json: not valid JSON", class = "anomalia_data_error")
  folder <- write_model_set(file.path(root, "b"), manifest = list(
    detector = "zscore", value_columns = list("value"), series = list()
  ))
  expect_error(read_model_set(folder), "`zscore` is not an R detector", class = "anomalia_data_error")
  folder <- write_model_set(file.path(root, "c"), manifest = list(
    detector = "sarima", value_columns = list("value"),
    series = list(list(series_id = "cpu", folder = "series-0000"))
  ))
  expect_error(read_model_set(folder), "not the sarima detector the manifest names",
    class = "anomalia_data_error"
  )
  folder <- write_model_set(file.path(root, "d"), manifest = list(
    detector = "stl", value_columns = list("value"),
    series = list(list(series_id = "cpu", folder = "../elsewhere"))
  ))
  expect_error(read_model_set(folder), "bad `folder` entry", class = "anomalia_data_error")
  model_set <- read_model_set(write_model_set(file.path(root, "e")))
  expect_error(score_model_set(model_set, "disk", 1:30), "series `disk` has no trained `stl` model",
    class = "anomalia_data_error"
  )
})
