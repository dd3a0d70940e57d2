"""Levier: steering socially responsible public purchasing."""

__version__ = "0.1.0"
