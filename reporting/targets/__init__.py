"""The three-year plan's targets (seed 003) and the figures only people record (industry-chain problems solved)."""
