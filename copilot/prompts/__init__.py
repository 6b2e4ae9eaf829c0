"""The copilot's prompt templates (the .txt files beside this one); see README.md."""

from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent
