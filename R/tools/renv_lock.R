# Write renv.lock (renv's JSON format) from what is installed: R's version and
# every package anomaliaR imports or suggests, with their recursive hard
# dependencies. The packages come from Debian's r-cran-* builds (no CRAN
# here), hence "Repository": "Debian". Run from the repository root:
#   Rscript R/tools/renv_lock.R [renv.lock]      (or `make renv-lock`)
# tests/python/r/test_renv_lock.py fails when the file and the machine differ.

args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) > 0) args[[1]] else "renv.lock"

description <- read.dcf("R/DESCRIPTION", fields = c("Imports", "Suggests"))
direct <- unlist(strsplit(paste(description[!is.na(description)], collapse = ","), ","))
direct <- trimws(sub("\\(.*\\)", "", trimws(direct)))
direct <- direct[nzchar(direct)]

installed <- installed.packages()
base <- rownames(installed)[installed[, "Priority"] %in% "base"]
needed <- unique(c(
  direct,
  unlist(tools::package_dependencies(direct, db = installed, recursive = TRUE))
))
needed <- sort(setdiff(needed, c(base, "R")))

missing <- setdiff(needed, rownames(installed))
if (length(missing) > 0) {
  stop("not installed: ", paste(missing, collapse = ", "),
       "; run deployment/install_system.sh first", call. = FALSE)
}

packages <- lapply(needed, function(name) {
  list(
    Package = name,
    Version = unname(installed[name, "Version"]),
    Source = "Repository",
    Repository = "Debian"
  )
})
names(packages) <- needed

lock <- list(
  R = list(
    Version = paste(R.version$major, R.version$minor, sep = "."),
    Repositories = list(list(Name = "Debian", URL = "https://deb.debian.org/debian"))
  ),
  Packages = packages
)
temporary <- tempfile(tmpdir = dirname(normalizePath(out, mustWork = FALSE)))
jsonlite::write_json(lock, temporary, auto_unbox = TRUE, pretty = 2)
invisible(file.rename(temporary, out))
cat(sprintf("wrote %s: R %s, %d packages\n", out, lock$R$Version, length(packages)))
