# Read one SAS transport (XPT v5) file with R's foreign package, independently of the
# Python writer, and write what R sees: data.csv (values; dates as SAS day numbers) and
# variables.csv (name, label, type, format per variable, in file order).
# Used by test_adam_study.py. Checked with R 4.2.2 and foreign 0.8-84.
# Usage: Rscript read_xpt.R FILE.xpt OUT_DIR
args <- commandArgs(trailingOnly = TRUE)
library(foreign)
info <- lookup.xport(args[1])[[1]]
data <- read.xport(args[1])
variables <- data.frame(
  name = info$name, label = info$label, type = info$type, format = info$format
)
write.csv(variables, file.path(args[2], "variables.csv"), row.names = FALSE)
for (name in names(data)) {
  if (is.numeric(data[[name]])) {
    data[[name]] <- ifelse(is.na(data[[name]]), "", format(data[[name]], digits = 15, trim = TRUE, scientific = FALSE))
  }
}
write.csv(data, file.path(args[2], "data.csv"), row.names = FALSE, na = "")
