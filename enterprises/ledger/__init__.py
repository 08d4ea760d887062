"""The assistance-ledger import pipeline: file guards → reader → row validation → staging → merge."""
