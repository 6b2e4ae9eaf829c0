"""Replaying recorded conversations through the copilot, and what a team does with the result."""
