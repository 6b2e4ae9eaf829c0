"""The copilot's proactive pipeline. ``run(message)`` decides on one customer message."""

from copilot.pipeline.run import run, settings_for

__all__ = ["run", "settings_for"]
