"""Registers the targets room's navigation entries and dashboard panels (imported by `ReportingConfig.ready`)."""
