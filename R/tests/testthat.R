library(testthat)
library(anomaliaR)

test_check("anomaliaR")
