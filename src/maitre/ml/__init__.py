"""Learned models: feature building, estimators, evaluation."""
