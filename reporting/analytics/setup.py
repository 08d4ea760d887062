"""Registers the analytics room's navigation entries and dashboard panels (imported by `ReportingConfig.ready`)."""
